"""The reference Task Manager API (FastAPI): health, auth, tasks, and each environment's behaviour."""

from __future__ import annotations

import threading
import traceback
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Header, HTTPException, Request, Response
from fastapi.exception_handlers import request_validation_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from envmatrix.sandbox.refservice.security import (
    RateLimiter,
    basic_auth_ok,
    check_password,
    hash_password,
    issue_token,
    token_subject,
)
from envmatrix.sandbox.refservice.settings import ServiceSettings

Handler = Callable[[Request], Awaitable[Response]]
UNAUTHENTICATED = {"WWW-Authenticate": "Bearer"}


class Credentials(BaseModel):
    email: str
    password: str


class NewTask(BaseModel):
    title: str
    description: str = ""


@dataclass
class Store:
    """In-memory users and tasks (one per service instance)."""

    users: dict[str, dict[str, Any]] = field(default_factory=dict)
    tasks: dict[str, dict[str, Any]] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add_user(self, email: str, password: str, *, verified: bool) -> dict[str, Any]:
        user = {"id": uuid.uuid4().hex, "email": email, "password": hash_password(password), "verified": verified}
        with self.lock:
            self.users[email.lower()] = user
        return user


def create_app(settings: ServiceSettings) -> FastAPI:
    """Build one environment's service from its settings."""
    app = FastAPI(debug=settings.debug, docs_url=None, redoc_url=None, openapi_url=None)
    store = Store()
    if settings.extras.smoke_account is not None:
        store.add_user(*settings.extras.smoke_account, verified=True)
    if settings.extras.unverified_account is not None:
        store.add_user(*settings.extras.unverified_account, verified=False)
    app.state.store = store
    _add_routes(app, settings, store)
    _add_error_handlers(app, settings)
    _add_middleware(app, settings)
    return app


def _current_user(settings: ServiceSettings) -> Callable[..., str]:
    def current_user(authorization: Annotated[str | None, Header()] = None) -> str:
        scheme, _, token = (authorization or "").partition(" ")
        subject = token_subject(settings, token) if scheme.lower() == "bearer" else None
        if subject is None:
            raise HTTPException(401, "not authenticated", headers=UNAUTHENTICATED)
        return subject

    return current_user


def _add_routes(app: FastAPI, settings: ServiceSettings, store: Store) -> None:
    @app.get("/")
    def root() -> dict[str, str]:
        return {"service": "taskmanager"}

    app.state.version = settings.extras.version  # switched by tests that play a rollout (RunningServices)

    @app.get("/health")
    def health() -> dict[str, str]:
        return {"status": "ok", "environment": settings.environment, "version": str(app.state.version)}

    @app.post("/api/v1/auth/register", status_code=201)
    def register(body: Credentials) -> dict[str, Any]:
        if not settings.registration:
            raise HTTPException(403, "registration is closed")
        if body.email.lower() in store.users:
            raise HTTPException(409, "already registered")
        user = store.add_user(body.email, body.password, verified=not settings.email_verification)
        return {"id": user["id"], "email": user["email"], "email_verified": user["verified"]}

    @app.post("/api/v1/auth/login")
    def login(body: Credentials) -> dict[str, Any]:
        user = store.users.get(body.email.lower())
        if user is None or not check_password(body.password, user["password"]):
            raise HTTPException(401, "invalid credentials", headers=UNAUTHENTICATED)
        if settings.email_verification and not user["verified"]:
            raise HTTPException(403, "email address not verified")
        out: dict[str, Any] = {"token_type": "bearer", "expires_in": settings.access_minutes * 60}
        out["access_token"] = issue_token(settings, user["id"], "access", settings.access_minutes * 60)
        if settings.refresh_days is not None:
            out["refresh_token"] = issue_token(settings, user["id"], "refresh", settings.refresh_days * 86400)
        return out

    _add_task_routes(app, store, Depends(_current_user(settings)))


def _add_task_routes(app: FastAPI, store: Store, user_dep: Any) -> None:
    def owned(task_id: str, user: str) -> dict[str, Any]:
        task = store.tasks.get(task_id)
        if task is None or task["owner"] != user:
            raise HTTPException(404, "task not found")
        return task

    @app.get("/api/v1/tasks")
    def list_tasks(user: str = user_dep) -> list[dict[str, Any]]:
        return [_public(task) for task in store.tasks.values() if task["owner"] == user]

    @app.post("/api/v1/tasks", status_code=201)
    def create_task(body: NewTask, user: str = user_dep) -> dict[str, Any]:
        task = {"id": uuid.uuid4().hex, "title": body.title, "description": body.description, "owner": user}
        with store.lock:
            store.tasks[task["id"]] = task
        return _public(task)

    @app.get("/api/v1/tasks/{task_id}")
    def read_task(task_id: str, user: str = user_dep) -> dict[str, Any]:
        return _public(owned(task_id, user))

    @app.delete("/api/v1/tasks/{task_id}", status_code=204)
    def delete_task(task_id: str, user: str = user_dep) -> Response:
        owned(task_id, user)
        with store.lock:
            store.tasks.pop(task_id, None)
        return Response(status_code=204)


def _public(task: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in task.items() if key != "owner"}


def _add_error_handlers(app: FastAPI, settings: ServiceSettings) -> None:
    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, exc: RequestValidationError) -> Response:
        if not settings.debug:
            return await request_validation_exception_handler(request, exc)
        # Development: detailed errors with the traceback (the seed's include_traceback = True).
        cause = exc.__cause__ or exc
        body = {"detail": "invalid request", "errors": str(exc.errors()),
                "traceback": traceback.format_exception(cause)}
        return JSONResponse(body, status_code=422)


def _add_middleware(app: FastAPI, settings: ServiceSettings) -> None:
    # Added innermost first: rate limit, then the staging basic-auth gate, CORS, HSTS outermost.
    if settings.rate_limiting:
        limiter = RateLimiter(settings.rate_per_minute)

        @app.middleware("http")
        async def rate_limit(request: Request, call_next: Handler) -> Response:
            client = request.client.host if request.client else "unknown"
            retry_after = None if request.url.path == "/health" else limiter.hit(client)
            if retry_after is not None:
                headers = {"Retry-After": str(retry_after)}
                return JSONResponse({"detail": "rate limit exceeded"}, status_code=429, headers=headers)
            return await call_next(request)

    if settings.extras.basic_auth is not None:
        _add_basic_auth_gate(app, settings, settings.extras.basic_auth)
    if settings.cors_origins:
        app.add_middleware(CORSMiddleware, allow_origins=list(settings.cors_origins), allow_credentials=True,
                           allow_methods=["*"], allow_headers=["*"])
    if settings.extras.hsts:
        @app.middleware("http")
        async def hsts(request: Request, call_next: Handler) -> Response:
            response = await call_next(request)
            response.headers["Strict-Transport-Security"] = "max-age=31536000; includeSubDomains"
            return response


def _add_basic_auth_gate(app: FastAPI, settings: ServiceSettings, expected: tuple[str, str]) -> None:
    """Non-production users meet HTTP basic auth; a valid API bearer token also passes the gate."""

    @app.middleware("http")
    async def basic_auth(request: Request, call_next: Handler) -> Response:
        header = request.headers.get("authorization", "")
        scheme, _, token = header.partition(" ")
        bearer_ok = scheme.lower() == "bearer" and token_subject(settings, token) is not None
        if not bearer_ok and not basic_auth_ok(header, expected):
            headers = {"WWW-Authenticate": f'Basic realm="taskmanager-{settings.environment}"'}
            return JSONResponse({"detail": "authentication required"}, status_code=401, headers=headers)
        return await call_next(request)
