"""Reading the flexbuffer maps that custom ops carry as options, without trusting them."""
from ..errors import ModelError


def read_map(data, what="custom options"):
    """The flexbuffer map in ``data`` as a dict (empty for no data)."""
    if not data:
        return {}
    from flatbuffers import flexbuffers
    try:
        value = flexbuffers.Loads(bytes(data))
    except Exception as e:  # the runtime decoder trusts its input: any failure means bad bytes
        raise ModelError(f"{what} are not a valid flexbuffer ({type(e).__name__})") from None
    if not isinstance(value, dict):
        raise ModelError(f"{what} are a flexbuffer {type(value).__name__}, not a map")
    return value
