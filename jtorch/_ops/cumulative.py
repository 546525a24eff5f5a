"""Cumulative ops: cumsum, cumprod, cummax, cummin, logcumsumexp."""
