"""Users and login. The first run creates the administrator."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from anquan_desk.core.audit import record_event
from anquan_desk.core.errors import UserInputError
from anquan_desk.core.models import User
from anquan_desk.core.security import hash_password, verify_password
from anquan_desk.core.vocabulary import UserRole
from anquan_desk.services.desk import Actor, Desk

MIN_PASSWORD_LENGTH = 6


def has_users(session: Session) -> bool:
    return bool(session.scalar(select(func.count()).select_from(User)))


def create_user(
    session: Session,
    *,
    username: str,
    name: str,
    password: str,
    role: UserRole = UserRole.INSPECTOR,
    cert_no: str = "",
    phone: str = "",
) -> User:
    username = username.strip()
    if not username or not name.strip():
        raise UserInputError("用户名和姓名不能为空。")
    if len(password) < MIN_PASSWORD_LENGTH:
        raise UserInputError(f"密码至少 {MIN_PASSWORD_LENGTH} 位。")
    if session.scalar(select(User).where(User.username == username)) is not None:
        raise UserInputError(f"用户名“{username}”已存在。")
    user = User(
        username=username,
        name=name.strip(),
        password_hash=hash_password(password),
        role=role.value,
        cert_no=cert_no.strip(),
        phone=phone.strip(),
    )
    session.add(user)
    session.flush()
    return user


def create_first_admin(session: Session, *, username: str, name: str, password: str) -> User:
    """Only allowed while there is no user at all (first run)."""
    if has_users(session):
        raise UserInputError("已有用户，不能再创建初始管理员。")
    return create_user(session, username=username, name=name, password=password, role=UserRole.ADMIN)


def authenticate(session: Session, username: str, password: str) -> User:
    user = session.scalar(select(User).where(User.username == username.strip()))
    if user is None or not user.active or not verify_password(password, user.password_hash):
        raise UserInputError("用户名或密码不正确。")
    session.info["actor"] = user.username
    record_event(session, "login", "users", user.id, username=user.username)
    return user


def inspectors(session: Session) -> list[User]:
    """Active users who can sign as inspectors (with a 执法证号 first)."""
    rows = session.scalars(
        select(User).where(User.active.is_(True), User.role != UserRole.VIEWER.value).order_by(User.name)
    )
    return sorted(rows, key=lambda u: (u.cert_no == "", u.name))


# --- entry points (take a desk, return plain data) -----------------------------------------------


def actor_of(user: User) -> Actor:
    return Actor(username=user.username, name=user.name, role=user.role, user_id=user.id)


def any_users(desk: Desk) -> bool:
    with desk.query() as session:
        return has_users(session)


def log_in(desk: Desk, username: str, password: str) -> Actor:
    """Check the password; the login is audited. Raises UserInputError with a Chinese message."""
    with desk.unit() as session:
        return actor_of(authenticate(session, username, password))


def create_first_administrator(desk: Desk, *, username: str, name: str, password: str) -> Actor:
    """First run only: the administrator, who is then logged in."""
    with Desk(desk.db, Actor.system(username.strip() or "admin")).unit() as session:
        return actor_of(create_first_admin(session, username=username, name=name, password=password))


@dataclass(frozen=True)
class InspectorRow:
    """A person who can sign as an inspector (plain values)."""

    id: str
    name: str
    cert_no: str

    @staticmethod
    def of(user: User) -> InspectorRow:
        return InspectorRow(user.id, user.name, user.cert_no)


def list_inspectors(desk: Desk) -> tuple[InspectorRow, ...]:
    """Active users who can sign as inspectors, those with a 执法证号 first (:func:`inspectors`)."""
    with desk.query() as session:
        return tuple(InspectorRow.of(u) for u in inspectors(session))
