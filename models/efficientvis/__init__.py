"""EfficientVIS (CVPR 2022): tracklet query and proposal, FTSA, TDC, correspondence learning."""
