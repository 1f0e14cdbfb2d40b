"""NCF (two-tower GMF + MLP) builds from its config, learns pointwise, and its towers reload."""

import numpy as np
import pytest

from matchkit.errors import ConfigError
from matchkit.models.ncf import NCF


@pytest.fixture(scope="module")
def trained(zoo):
    table, samples, model, sampler, optimizer = zoo.build(["model=ncf", "samples.negsample=2"])
    losses = zoo.fit(model, sampler, optimizer, samples)
    return table, samples, model, losses


def test_builds_from_its_config_and_loss_falls(trained):
    _, _, model, losses = trained
    assert isinstance(model, NCF) and model.needs_negsample and "label" in model.input_names
    assert np.isfinite(losses).all() and losses[-1] < losses[0] - 0.02, losses


def test_score_is_gmf_product_plus_mlp_inner_product(trained):
    table, samples, model, _ = trained
    cols = {k: v[:4] for k, v in samples.test.columns.items()}
    user = model.embed_users(cols)
    item = model.embed_items(np.arange(1, 5, dtype=np.int32))
    assert user.shape[1] == item.shape[1] == 32 + 32  # [gmf_dim, mlp_units[-1]]
    gmf = (user[:, None, :32] * item[None, :, :32]).sum(-1)  # GMF: sum of the element-wise product
    mlp = user[:, 32:] @ item[:, 32:].T
    np.testing.assert_allclose(user @ item.T, gmf + mlp, rtol=1e-5, atol=1e-6)


def test_towers_reload_with_safe_loading(trained, zoo, tmp_path):
    table, samples, model, _ = trained
    zoo.assert_towers_reload(model, table, samples, tmp_path)


def test_without_negsample_is_refused(zoo):
    with pytest.raises(ConfigError, match="set samples.negsample"):
        zoo.build(["model=ncf"])
