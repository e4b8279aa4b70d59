"""EfficientVIS (CVPR 2022): tracklet query and proposal, FTSA, TDC, correspondence learning.

This core imports only torch, torchvision, numpy and scipy; ``efficientvis.engine`` trains,
checkpoints and runs it on YouTube-VIS data.
"""
