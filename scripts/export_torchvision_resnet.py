#!/usr/bin/env python3
"""Export a torchvision ResNet's weights for mvpose3d's C++ encoder (no Python needed to load them).

The file is written with torch.save and read in C++ by torch::pickle_load (LibTorch), and holds one
plain dict:

    {
      "format": "mvpose3d.torchvision_resnet",   # what the file is
      "version": 1,                               # format version of this dict
      "arch": "resnet50",                         # torchvision name, or "custom"
      "block": "bottleneck",                      # "basic" | "bottleneck"
      "layers": [3, 4, 6, 3],                     # residual blocks per stage
      "width": 64,                                # stem / first-stage channels (torchvision: 64)
      "source": "IMAGENET1K_V2" | "random(seed=0)",
      "state_dict": {"conv1.weight": Tensor, "bn1.running_mean": Tensor, ...},
    }

The state_dict keys are torchvision's, without the classifier (fc.*), every tensor contiguous and
on the CPU in float32 (num_batches_tracked in int64), as mvpose3d::models::load_torchvision_resnet
expects (docs/models.md).

Usage:
    # ImageNet weights (torchvision downloads them to its cache on first use):
    python scripts/export_torchvision_resnet.py --arch resnet152 --weights DEFAULT \
        --out weights/resnet152_imagenet.pt
    # then in the config: model.backbone: resnet152, model.pretrained: weights/resnet152_imagenet.pt

    # A randomly initialised network with random BN statistics, plus an input and its features
    # (the C++ equivalence test does this):
    python scripts/export_torchvision_resnet.py --arch resnet18 --random --seed 0 \
        --out /tmp/w.pt --check-out /tmp/check.pt --input-size 64 --batch 2

The --check-out file is another plain dict: {"input": [N, 3, S, S], "features": [N, C, S/32, S/32]
(the output of layer4), "stages": [layer1, layer2, layer3, layer4 outputs]}, computed in eval mode
in float64 and stored as float32 (double accumulation keeps the reference exact to ~1e-7).
"""

import argparse
import sys

import torch

FORMAT = "mvpose3d.torchvision_resnet"
VERSION = 1

DEPTHS = {
    "resnet18": ("basic", [2, 2, 2, 2]),
    "resnet34": ("basic", [3, 4, 6, 3]),
    "resnet50": ("bottleneck", [3, 4, 6, 3]),
    "resnet101": ("bottleneck", [3, 4, 23, 3]),
    "resnet152": ("bottleneck", [3, 8, 36, 3]),
}


def build(arch, block, layers, weights):
    import torchvision
    from torchvision.models import resnet

    if arch != "custom":
        return getattr(torchvision.models, arch)(weights=weights)
    if weights is not None:
        sys.exit("error: --weights needs a torchvision --arch, not custom --layers")
    block_cls = resnet.BasicBlock if block == "basic" else resnet.Bottleneck
    return resnet.ResNet(block_cls, layers)


def randomize_batchnorm(model, generator):
    """Random affine parameters and running statistics, so that eval-mode BN is not the identity."""
    for m in model.modules():
        if isinstance(m, torch.nn.BatchNorm2d):
            n = m.num_features
            m.weight.data = 0.5 + torch.rand(n, generator=generator)
            m.bias.data = 0.2 * torch.randn(n, generator=generator)
            m.running_mean.data = 0.2 * torch.randn(n, generator=generator)
            m.running_var.data = 0.5 + torch.rand(n, generator=generator)
            m.num_batches_tracked.fill_(7)


def stage_outputs(model, x):
    x = model.maxpool(model.relu(model.bn1(model.conv1(x))))
    outs = []
    for layer in (model.layer1, model.layer2, model.layer3, model.layer4):
        x = layer(x)
        outs.append(x)
    return outs


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--arch", default="resnet50", choices=sorted(DEPTHS) + ["custom"])
    p.add_argument("--layers", default="", help="custom: blocks per stage, e.g. 1,1,1,1")
    p.add_argument("--block", default="basic", choices=["basic", "bottleneck"], help="custom: block type")
    p.add_argument("--weights", default=None, help="torchvision weights enum name, e.g. DEFAULT or IMAGENET1K_V1")
    p.add_argument("--random", action="store_true", help="random initialisation (seeded) instead of --weights")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--no-randomize-bn", action="store_true", help="with --random: keep BN at its init (mean 0, var 1)")
    p.add_argument("--out", required=True, help="weights file to write")
    p.add_argument("--check-out", default="", help="also write an input and torchvision's features for it")
    p.add_argument("--input-size", type=int, default=64)
    p.add_argument("--batch", type=int, default=2)
    args = p.parse_args()

    if args.arch == "custom":
        if not args.layers:
            sys.exit("error: --arch custom needs --layers")
        block, layers = args.block, [int(v) for v in args.layers.split(",")]
        if len(layers) != 4 or min(layers) < 1:
            sys.exit("error: --layers needs four positive counts")
    else:
        block, layers = DEPTHS[args.arch]
    if args.random == (args.weights is not None):
        sys.exit("error: give exactly one of --random and --weights")

    torch.manual_seed(args.seed)
    model = build(args.arch, block, layers, None if args.random else args.weights)
    if args.random and not args.no_randomize_bn:
        randomize_batchnorm(model, torch.Generator().manual_seed(args.seed + 1))
    model.eval()

    state = {}
    for key, value in model.state_dict().items():
        if key.startswith("fc."):
            continue  # the classifier is not part of the encoder
        value = value.detach().cpu().contiguous().clone()
        if value.is_floating_point():
            value = value.float()
        state[key] = value
    width = int(model.conv1.out_channels)
    payload = {
        "format": FORMAT,
        "version": VERSION,
        "arch": args.arch,
        "block": block,
        "layers": layers,
        "width": width,
        "source": f"random(seed={args.seed})" if args.random else str(args.weights),
        "state_dict": state,
    }
    torch.save(payload, args.out)
    print(f"wrote {args.out}: {args.arch} ({block}, layers {layers}), {len(state)} tensors, "
          f"{sum(v.numel() for v in state.values() if v.is_floating_point())} parameters+statistics")

    if args.check_out:
        g = torch.Generator().manual_seed(args.seed + 2)
        x = torch.randn(args.batch, 3, args.input_size, args.input_size, generator=g)
        model64 = model.double()
        with torch.no_grad():
            stages = stage_outputs(model64, x.double())
        check = {
            "input": x.float().contiguous(),
            "features": stages[-1].float().contiguous(),
            "stages": [s.float().contiguous() for s in stages],
        }
        torch.save(check, args.check_out)
        print(f"wrote {args.check_out}: input {list(x.shape)}, features {list(stages[-1].shape)}")


if __name__ == "__main__":
    main()
