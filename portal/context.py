"""Who is acting and from where, for audit events outside and inside requests.

The web layer sets the actor for a request (`set_request_context`); CLI and
tasks pass an actor explicitly or act as "system".
"""
import threading

_local = threading.local()


def set_request_context(actor=None, ip: str = "", request_id: str = "") -> None:
    _local.actor, _local.ip, _local.request_id = actor, ip, request_id


def clear_request_context() -> None:
    set_request_context()


def current_actor_info(actor=None) -> dict:
    """The audit fields naming the actor: an explicit one wins over the request's."""
    actor = actor if actor is not None else getattr(_local, "actor", None)
    info = {"ip": getattr(_local, "ip", "") or "",
            "request_id": getattr(_local, "request_id", "") or ""}
    if actor is None:
        return {**info, "actor_id": None, "actor_name": "system", "tenant": "system"}
    return {**info, "actor_id": actor.id, "actor_name": actor.username, "tenant": actor.tenant}
