"""A cache hint for the compiled loops: start fetching a raster cell a few rows ahead.

At city scale the offenders are sparse (one per ~9 cells), so each one reads cache lines of
the rasters that no offender before it pulled in, and the loop waits on memory for every
offender. Asking for the lines of the offender a few rows ahead overlaps those waits: the
offender loop at city scale ran about twice as fast (``docs/performance.md``).
"""

from __future__ import annotations

from llvmlite import ir
from numba import config, types
from numba.core import cgutils
from numba.extending import intrinsic

READ, KEEP_IN_ALL_CACHES, DATA = 0, 3, 1
"""Arguments of LLVM's ``llvm.prefetch``: a read, high temporal locality, the data cache."""


@intrinsic
def prefetch(typingctx, raster, r, c):
    """Hint that ``raster[r, c]`` will be read soon. Only a hint: it changes no value, and an
    address off the raster does not fault, so callers need not check bounds for safety.
    """

    def codegen(context, builder, sig, args):
        array_type = sig.args[0]
        array = context.make_array(array_type)(context, builder, args[0])
        ptr = cgutils.get_item_pointer(context, builder, array_type, array, [args[1], args[2]])
        i8p, i32 = ir.IntType(8).as_pointer(), ir.IntType(32)
        fn = cgutils.get_or_insert_function(
            builder.module, ir.FunctionType(ir.VoidType(), [i8p, i32, i32, i32]), "llvm.prefetch.p0i8")
        builder.call(fn, [builder.bitcast(ptr, i8p), i32(READ), i32(KEEP_IN_ALL_CACHES), i32(DATA)])
        return context.get_dummy_value()

    return types.void(raster, r, c), codegen


if config.DISABLE_JIT:  # rules run as plain Python (debugging, a reference): a hint is a no-op

    def prefetch(raster, r, c) -> None:  # noqa: F811
        """No cache hints in plain Python."""
