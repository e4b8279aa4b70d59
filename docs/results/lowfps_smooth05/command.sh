# The default valid split regenerated with jumps on 5 % of frames instead of 20 % (same videos,
# instances and categories; only the trajectories differ), then the bundled file's low-FPS study
# and the ground-truth (oracle) study on it.
python -c "from vistoolkit.data.synth import generate; from vistoolkit.data.synth_config import SynthConfig; generate('/work/vd/smooth05', SynthConfig.preset('default', jump_prob=0.05, num_train_videos=0), progress=False)"
vistool study lowfps --fps 6,3,1.5 --data /work/vd/smooth05 --out runs/lowfps_smooth05 --threads 1
vistool study lowfps --oracle --data /work/vd/smooth05 --out runs/lowfps_smooth05_oracle
