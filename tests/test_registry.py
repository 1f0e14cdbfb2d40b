import pytest

from matchkit.errors import ConfigError, MatchkitError, RegistryError
from matchkit.registry import Registry


def make():
    reg = Registry("sampler", "called with nothing; returns a string")

    @reg.register("inbatch")
    def inbatch():
        return "ib"

    @reg.register("uniform")
    class Uniform:
        def __init__(self, num_sampled):
            self.num_sampled = num_sampled

    reg.register("frequency")(lambda: "f")
    reg.register("adaptive")(lambda: "a")
    return reg


def test_register_get_build_and_names():
    reg = make()
    assert reg.get("inbatch")() == "ib"
    assert reg.build("uniform", num_sampled=3).num_sampled == 3
    assert reg.names() == ["adaptive", "frequency", "inbatch", "uniform"]
    assert "uniform" in reg and "nope" not in reg
    assert len(reg) == 4 and list(reg) == reg.names()
    assert reg.origin("inbatch") == __name__


def test_unknown_name_lists_choices_and_closest_match():
    reg = make()
    with pytest.raises(RegistryError) as info:
        reg.get("inbach")
    assert str(info.value) == ("unknown sampler 'inbach'; did you mean 'inbatch'? "
                               "available: adaptive, frequency, inbatch, uniform")
    assert isinstance(info.value, MatchkitError)


def test_unknown_name_without_close_match():
    with pytest.raises(RegistryError, match=r"unknown sampler 'zzz'; available: adaptive"):
        make().get("zzz")


def test_duplicate_registration_is_refused_unless_override():
    reg = make()
    with pytest.raises(ValueError, match="already registered"):
        reg.register("inbatch")(lambda: "other")
    reg.register("inbatch", override=True)(lambda: "other")
    assert reg.get("inbatch")() == "other"


def test_build_turns_bad_keywords_into_config_error():
    with pytest.raises(ConfigError, match=r"cannot build sampler 'uniform'.*unexpected keyword"):
        make().build("uniform", num_sampled=1, distortion=0.5)


@pytest.mark.parametrize("kind", ["feature", "pooling", "sampler", "model", "dataset"])
def test_every_kind_has_a_populated_registry_with_a_contract(kind):
    from matchkit.plugins import builtin_registries

    reg = builtin_registries()[kind]
    assert len(reg) >= 1 and "returns" in reg.contract and "called" in reg.contract.lower()
