"""The setup doctor: checks of every dependency and setting, each with a verdict and the fix."""
