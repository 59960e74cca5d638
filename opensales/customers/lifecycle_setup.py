"""Start-up wiring of the pool, merge, handover, grading and lifecycle part (notification kinds, signals).
Called from CustomersConfig.ready()."""


def setup() -> None:
    pass
