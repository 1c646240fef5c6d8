"""Compatibility shim for programs written for the Stateflow prototype.

Both `import stateflow` + `@stateflow.stateflow` and
`from stateflow import stateflow` + `@stateflow` mean `@stent.entity`.
"""

from stent import entity as stateflow

__all__ = ["stateflow"]
