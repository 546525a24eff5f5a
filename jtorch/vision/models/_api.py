"""Model builders' ``weights`` argument: only ``None`` (random init) is possible, nothing is downloaded."""
from __future__ import annotations

import enum
import warnings


def weights_enum(name: str, members: tuple[str, ...] = ("IMAGENET1K_V1",)) -> type[enum.Enum]:
    """An enum like torchvision's ``<Model>_Weights`` (its members name weights jtorch cannot fetch)."""
    values = {m: f"{name}.{m}" for m in members}
    values["DEFAULT"] = values[members[-1]]
    return enum.Enum(name, values)


def check_weights(builder: str, weights, kwargs: dict) -> None:
    """Reject pretrained weights (jtorch has no network access); ``pretrained=False`` is accepted with a warning."""
    if "pretrained" in kwargs:
        pretrained = kwargs.pop("pretrained")
        warnings.warn("The parameter 'pretrained' is deprecated since 0.13 and may be removed in the future, please "
                      "use 'weights' instead.")
        if pretrained:
            weights = "DEFAULT"
    if weights is not None:
        raise RuntimeError(f"{builder}(weights={weights!r}): pretrained weights cannot be downloaded by jtorch (no "
                           f"network access); build the model with weights=None and load a state_dict with "
                           f"model.load_state_dict(jtorch.load(path))")
