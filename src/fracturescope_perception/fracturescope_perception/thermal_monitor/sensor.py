"""The equipment thermal camera the monitor is built for: an MLX90640-class 32 x 24 thermopile array (seed 001)."""

WIDTH, HEIGHT = 32, 24   # sensor pixels
