"""Shared by the examples: a way for tests to shorten training loops, and the ``--device`` flag."""

import argparse
import os
import sys

import rtensor as torch


def steps(default):
    """Number of training steps: ``RTENSOR_EXAMPLE_STEPS`` overrides the tutorial's count."""
    return int(os.environ.get("RTENSOR_EXAMPLE_STEPS", default))


def device_from_args():
    """The device named by ``--device {cpu,gpu,cuda}`` (default ``cpu``): where the example
    creates its tensors and moves its model. ``gpu`` and ``cuda`` are the same device. The
    GPU runs float32, so the examples that accept the flag compute in float32 on either device;
    with the same seed both start from the same weights (the GPU draws from the CPU generator)."""
    parser = argparse.ArgumentParser(description=sys.modules["__main__"].__doc__)
    parser.add_argument(
        "--device", choices=("cpu", "gpu", "cuda"), default="cpu",
        help="where to run: cpu (the default) or the GPU (gpu, or its PyTorch name cuda)")
    args = parser.parse_args()
    device = torch.device(args.device)
    if device.type == "cuda":
        try:
            torch.cuda.get_device_name()  # raises, naming the reason, when there is no adapter
        except RuntimeError as e:
            parser.error(f"--device {args.device}: {e}")
    return device
