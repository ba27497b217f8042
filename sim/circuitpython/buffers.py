"""mp_get_buffer_raise (py/obj.c) with MP_BUFFER_READ, as the bindings that read a buffer call
it: bytes, bytearray, memoryview, array.array, and a str (its UTF-8 bytes); anything else is
`TypeError: object with buffer protocol required`."""


def readable(data) -> memoryview:
    """The bytes of `data`, without a copy (but for a str), as the binding reads them."""
    if isinstance(data, str):
        return memoryview(data.encode())
    try:
        return memoryview(data).cast("B")
    except TypeError:
        raise TypeError("object with buffer protocol required") from None
