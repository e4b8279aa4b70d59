"""What runs the EfficientVIS core: dataset, training, checkpoints, inference, evaluation, demo.

The only part of ``efficientvis`` that imports ``vistoolkit``; the core modules one level up
import only torch, torchvision, numpy and scipy.
"""
