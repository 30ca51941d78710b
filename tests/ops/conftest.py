import pytest

from graphlab.ops.backend import has_torch_scatter

BACKENDS = ["torch", "triton"] + (["torch_scatter"] if has_torch_scatter() else [])


@pytest.fixture(params=BACKENDS)
def backend(request):
    return request.param
