"""Users: login, the first administrator, and the administrator's management of accounts.

A user is never deleted: their inspections, hazards and documents keep their name. Deactivating
stops the login (and every change made with a desk still open for them, see
:mod:`anquan_desk.services.roles`). Every change here except one's own password is the
administrator's (``users.manage``); the township always keeps at least one active administrator.

Every user has a signing key (``user_keys``, :mod:`anquan_desk.core.security`), made with the
account and sealed under its password. The login unseals it into the :class:`Actor`, whose units of
work then sign every audit entry. Changing one's own password re-seals the same key; an
administrator's password reset retires the old key (kept, so the entries it signed still verify)
and gives the user a new one. A user of an older database gets a key at their first login.
Passwords are hashed with argon2id; an older scrypt hash is replaced at the next login.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from anquan_desk.core import security
from anquan_desk.core.audit import SIGNER, record_event, session_signer
from anquan_desk.core.clock import utcnow
from anquan_desk.core.errors import NotFoundError, PermissionDeniedError, UserInputError
from anquan_desk.core.models import User, UserKey, new_uuid
from anquan_desk.core.security import Signer, hash_password, needs_rehash, verify_password
from anquan_desk.core.validators import normalize_phone, normalize_text, phone_error
from anquan_desk.core.vocabulary import UserRole
from anquan_desk.services import roles
from anquan_desk.services.desk import Actor, Desk
from anquan_desk.services.roles import ROLES

MIN_PASSWORD_LENGTH = 8
MAX_NAME_LENGTH = 40

_USERNAME = re.compile(r"[A-Za-z0-9_.\-@]{2,40}")
# Optional Chinese short form of the issuing body (苏, 宁应急 …), then letters, digits and dashes.
_CERT = re.compile(r"[\u4e00-\u9fff]{0,6}[A-Z0-9][A-Z0-9\-]{3,29}")


def has_users(session: Session) -> bool:
    return bool(session.scalar(select(func.count()).select_from(User)))


# --- checks -----------------------------------------------------------------------------------------


def check_password(password: str) -> str:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise UserInputError(f"密码太短：至少 {MIN_PASSWORD_LENGTH} 位。")
    if password != password.strip():
        raise UserInputError("密码的开头和结尾不能是空格。")
    return password


def check_username(username: str) -> str:
    username = username.strip()
    if not username:
        raise UserInputError("用户名不能为空。")
    if not _USERNAME.fullmatch(username):
        raise UserInputError(
            f"用户名“{username}”不可用：请用 2–40 位字母、数字或 _ . - @（如姓名拼音 wangfang），不要用汉字和空格。"
        )
    return username


def check_person_name(name: str) -> str:
    name = normalize_text(name)
    if not name:
        raise UserInputError("姓名不能为空。")
    if len(name) > MAX_NAME_LENGTH:
        raise UserInputError(f"姓名太长（最多 {MAX_NAME_LENGTH} 个字）。")
    return name


def normalize_cert(value: str) -> str:
    """A certificate number as it is stored: half-width, upper case, no spaces."""
    return normalize_text(value).replace(" ", "").upper()


def check_cert(value: str, what: str = "执法证号") -> str:
    """The normalised 执法证号 / 工作证号 (empty allowed), or UserInputError naming the format: letters,
    digits and dashes after an optional Chinese short form of the issuer; a 执法证号 has at least 4
    digits, a 工作证号 at least 2."""
    cert = normalize_cert(value)
    if not cert:
        return ""
    least = 4 if what == "执法证号" else 2
    digits = sum(ch.isdigit() for ch in cert)
    if not _CERT.fullmatch(cert) or digits < least:
        example = "32010019001、苏A12345678" if what == "执法证号" else "HG-2026-015、CD-01"
        raise UserInputError(
            f"{what}“{value.strip()}”格式不对：应为证件上的号码，由数字和字母组成（至少 {least} 位数字），"
            f"可带省市简称，如 {example}。"
        )
    return cert


def check_role(role: str) -> str:
    if role not in ROLES:
        raise UserInputError(f"没有“{role}”这个角色（可选：{'、'.join(ROLES)}）。")
    return role


def check_phone(phone: str) -> str:
    problem = phone_error(phone)
    if problem is not None:
        raise UserInputError(f"联系电话：{problem}")
    return normalize_phone(phone)


def _unique_cert(session: Session, column: str, value: str, label: str, user_id: str | None) -> None:
    if not value:
        return
    owner = session.scalar(select(User).where(getattr(User, column) == value, User.id != (user_id or "")))
    if owner is not None:
        raise UserInputError(f"{label}“{value}”已属于 {owner.name}（用户名 {owner.username}），每人的证号不能相同。")


# --- signing keys -----------------------------------------------------------------------------------

#: ``session.info`` key: the unlocked keys of the users created in this session (user id → Signer).
NEW_SIGNERS = "new_signers"


def active_key(session: Session, user_id: str) -> UserKey | None:
    """The user's signing key in use (None: none yet, or only retired ones)."""
    return session.scalar(
        select(UserKey).where(UserKey.user_id == user_id, UserKey.retired_at.is_(None)).order_by(UserKey.created_at)
    )


def _sealed(key: UserKey) -> security.SealedKey:
    return security.SealedKey(key.public_key, key.sealed_key, key.kdf_salt, key.kdf_opslimit, key.kdf_memlimit)


def _store_sealed(key: UserKey, sealed: security.SealedKey) -> None:
    key.public_key, key.sealed_key, key.kdf_salt = sealed.public_key, sealed.sealed, sealed.salt
    key.kdf_opslimit, key.kdf_memlimit = sealed.opslimit, sealed.memlimit


def issue_key(session: Session, user: User, password: str, *, self_signed: bool = False) -> Signer:
    """A new signing key for ``user``, sealed under ``password``; its row is an audited insert,
    signed by the session's signer (an administrator) or, with ``self_signed``, by the new key
    itself (a user of an older database at the first login). Returns the unlocked key."""
    sealed, signing_key = security.new_sealed_key(password)
    key = UserKey(id=new_uuid(), user_id=user.id)
    _store_sealed(key, sealed)
    signer = Signer(key.id, signing_key)
    if self_signed:
        session.info[SIGNER] = signer
    session.add(key)
    session.flush()
    session.info.setdefault(NEW_SIGNERS, {})[user.id] = signer
    return signer


def unlock_key(session: Session, user: User, password: str) -> Signer:
    """The user's key unsealed with ``password``; a user without one gets one (self-signed)."""
    key = active_key(session, user.id)
    if key is None:
        return issue_key(session, user, password, self_signed=True)
    return Signer(key.id, security.unseal(_sealed(key), password))


def new_user_signer(session: Session, user_id: str) -> Signer:
    """The unlocked key of a user created in this session (the first administrator signs with it)."""
    signer = session.info.get(NEW_SIGNERS, {}).get(user_id)
    if not isinstance(signer, Signer):
        raise PermissionDeniedError("该用户的签名密钥不在本次操作中。")
    return signer


def sign_as(session: Session, user: User, signer: Signer) -> None:
    """From now on the session acts and signs as ``user``."""
    session.info["actor"] = user.username
    session.info[SIGNER] = signer


# --- building blocks --------------------------------------------------------------------------------


def create_user(
    session: Session,
    *,
    username: str,
    name: str,
    password: str,
    role: str = UserRole.INSPECTOR.value,
    cert_no: str = "",
    work_no: str = "",
    phone: str = "",
) -> User:
    """The building block: a user with a unique user name, a long enough password and a signing key
    (:func:`issue_key`). The entry points check the formats first (:func:`checked_fields`); tests
    call this directly."""
    username = username.strip()
    if not username or not name.strip():
        raise UserInputError("用户名和姓名不能为空。")
    check_password(password)
    role = check_role(str(role))
    if session.scalar(select(User).where(User.username == username)) is not None:
        raise UserInputError(f"用户名“{username}”已存在。")
    user = User(
        username=username,
        name=name.strip(),
        password_hash=hash_password(password),
        role=role,
        cert_no=cert_no.strip(),
        work_no=work_no.strip(),
        phone=phone.strip(),
    )
    session.add(user)
    session.flush()
    issue_key(session, user, password)
    return user


@dataclass(frozen=True)
class UserFields:
    """What the administrator enters for an account, checked and normalised by :func:`checked_fields`."""

    name: str
    role: str
    cert_no: str = ""
    work_no: str = ""
    phone: str = ""


def checked_fields(
    session: Session, fields: UserFields, *, user_id: str | None = None
) -> UserFields:
    """The fields normalised (certificate numbers half-width upper case, phone canonical), or
    UserInputError: name, role, 执法证号 / 工作证号 format, phone, numbers held by someone else."""
    checked = UserFields(
        name=check_person_name(fields.name),
        role=check_role(fields.role),
        cert_no=check_cert(fields.cert_no, "执法证号"),
        work_no=check_cert(fields.work_no, "工作证号"),
        phone=check_phone(fields.phone),
    )
    _unique_cert(session, "cert_no", checked.cert_no, "执法证号", user_id)
    _unique_cert(session, "work_no", checked.work_no, "工作证号", user_id)
    return checked


def create_checked_user(session: Session, username: str, password: str, fields: UserFields) -> User:
    """A new account after every format check (the entry points and the first-run setup)."""
    username = check_username(username)
    checked = checked_fields(session, fields)
    return create_user(
        session, username=username, name=checked.name, password=password, role=checked.role,
        cert_no=checked.cert_no, work_no=checked.work_no, phone=checked.phone,
    )


def create_first_admin(session: Session, *, username: str, name: str, password: str, cert_no: str = "") -> User:
    """Only allowed while there is no user at all (first run). The session then acts and signs as
    the new administrator (what it wrote before is the unsigned prologue of the chain)."""
    if has_users(session):
        raise UserInputError("已有用户，不能再创建初始管理员。")
    admin = create_checked_user(session, username, password, UserFields(name, UserRole.ADMIN.value, cert_no))
    sign_as(session, admin, new_user_signer(session, admin.id))
    return admin


def authenticate(session: Session, username: str, password: str, *, record: bool = True) -> User:
    """Check the password and unlock the user's signing key: the session then acts and signs as the
    user (:func:`session_signer`). An old password hash is replaced by an argon2id one. The login is
    an audited event unless ``record`` is False (a command-line command: what it changes is signed)."""
    user = session.scalar(select(User).where(User.username == username.strip()))
    if user is None or not verify_password(password, user.password_hash):
        raise UserInputError("用户名或密码不正确。")
    if not user.active:
        raise UserInputError("该账号已停用，不能登录。请联系管理员。")
    session.info["actor"] = user.username
    sign_as(session, user, unlock_key(session, user, password))
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
        session.flush()
    if record:
        record_event(session, "login", "users", user.id, username=user.username)
    return user


def inspectors(session: Session) -> list[User]:
    """Active users who can sign as inspectors (with a 执法证号 first)."""
    rows = session.scalars(
        select(User).where(User.active.is_(True), User.role != UserRole.VIEWER.value).order_by(User.name)
    )
    return sorted(rows, key=lambda u: (u.cert_no == "", u.name))


def active_admins(session: Session) -> int:
    return int(
        session.scalar(
            select(func.count()).select_from(User).where(User.active.is_(True), User.role == UserRole.ADMIN.value)
        )
        or 0
    )


def _user(session: Session, user_id: str) -> User:
    user = session.get(User, user_id)
    if user is None:
        raise NotFoundError("找不到该用户。")
    return user


def _keep_an_admin(session: Session, user: User, *, new_role: str | None = None, deactivate: bool = False) -> None:
    """Refuse a change that would leave the township without an active administrator."""
    losing = user.active and user.role == UserRole.ADMIN.value and (
        deactivate or (new_role is not None and new_role != UserRole.ADMIN.value)
    )
    if losing and active_admins(session) <= 1:
        raise UserInputError(f"{user.name}是唯一在用的管理员：请先让另一位用户成为管理员，再修改或停用此账号。")


# --- entry points (take a desk, return plain data) -----------------------------------------------


def actor_of(user: User, signer: Signer | None = None) -> Actor:
    return Actor(username=user.username, name=user.name, role=user.role, user_id=user.id, signer=signer)


def any_users(desk: Desk) -> bool:
    with desk.query() as session:
        return has_users(session)


def log_in(desk: Desk, username: str, password: str, *, record: bool = True) -> Actor:
    """Check the password and unlock the signing key; the login is audited (unless ``record`` is
    False). Raises UserInputError with a Chinese message."""
    with desk.unit() as session:
        user = authenticate(session, username, password, record=record)
        return actor_of(user, session_signer(session))


def create_first_administrator(desk: Desk, *, username: str, name: str, password: str) -> Actor:
    """First run only: the administrator, who is then logged in."""
    with Desk(desk.db, Actor.system(username.strip() or "admin")).unit() as session:
        admin = create_first_admin(session, username=username, name=name, password=password)
        return actor_of(admin, session_signer(session))


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


@dataclass(frozen=True)
class UserRow:
    """One account, for the user list (never the password hash)."""

    id: str
    username: str
    name: str
    role: str
    cert_no: str
    work_no: str
    phone: str
    active: bool

    @staticmethod
    def of(user: User) -> UserRow:
        return UserRow(user.id, user.username, user.name, user.role, user.cert_no, user.work_no, user.phone, user.active)


def list_users(desk: Desk, *, include_inactive: bool = True) -> tuple[UserRow, ...]:
    """Every account (active ones first, then by name)."""
    with desk.query() as session:
        stmt = select(User)
        if not include_inactive:
            stmt = stmt.where(User.active.is_(True))
        rows = sorted(session.scalars(stmt), key=lambda u: (not u.active, u.username))
        return tuple(UserRow.of(u) for u in rows)


def find_user(desk: Desk, username: str) -> UserRow:
    """The account with this user name; NotFoundError otherwise."""
    with desk.query() as session:
        user = session.scalar(select(User).where(User.username == username.strip()))
        if user is None:
            raise NotFoundError(f"没有用户名为“{username.strip()}”的用户。")
        return UserRow.of(user)


def add_user(
    desk: Desk,
    *,
    username: str,
    name: str,
    password: str,
    role: str,
    cert_no: str = "",
    work_no: str = "",
    phone: str = "",
) -> UserRow:
    """A new account (administrator only). Checks the user name, password, role and the 执法证号 /
    工作证号 format; raises UserInputError (Chinese) or PermissionDeniedError."""
    with desk.unit() as session:
        roles.check(session, desk.actor, "users.manage")
        user = create_checked_user(session, username, password, UserFields(name, role, cert_no, work_no, phone))
        return UserRow.of(user)


def update_user(
    desk: Desk, user_id: str, *, name: str, role: str, cert_no: str = "", work_no: str = "", phone: str = ""
) -> UserRow:
    """Change an account's name, role, 执法证号, 工作证号 and phone (administrator only). The last
    active administrator keeps the role."""
    with desk.unit() as session:
        roles.check(session, desk.actor, "users.manage")
        user = _user(session, user_id)
        checked = checked_fields(session, UserFields(name, role, cert_no, work_no, phone), user_id=user.id)
        _keep_an_admin(session, user, new_role=checked.role)
        user.name, user.role = checked.name, checked.role
        user.cert_no, user.work_no, user.phone = checked.cert_no, checked.work_no, checked.phone
        session.flush()
        return UserRow.of(user)


def deactivate_user(desk: Desk, user_id: str) -> UserRow:
    """Stop an account's login (never deleted: the records keep the name). Administrator only; not
    one's own account, not the last active administrator."""
    with desk.unit() as session:
        roles.check(session, desk.actor, "users.manage")
        user = _user(session, user_id)
        if user.id == desk.actor.user_id:
            raise UserInputError("不能停用自己正在使用的账号。")
        if not user.active:
            return UserRow.of(user)
        _keep_an_admin(session, user, deactivate=True)
        user.active = False
        session.flush()
        return UserRow.of(user)


def reactivate_user(desk: Desk, user_id: str) -> UserRow:
    """Let a deactivated account log in again (administrator only)."""
    with desk.unit() as session:
        roles.check(session, desk.actor, "users.manage")
        user = _user(session, user_id)
        user.active = True
        session.flush()
        return UserRow.of(user)


def reset_password(desk: Desk, user_id: str, new_password: str) -> None:
    """Give an account a new password (administrator only; the user should change it after logging
    in). The user's signing key is retired (its private half needs the forgotten password) and a new
    one is made; entries the old key signed still verify. Not one's own account: that is
    :func:`change_own_password`."""
    check_password(new_password)
    with desk.unit() as session:
        roles.check(session, desk.actor, "users.manage")
        user = _user(session, user_id)
        if user.id == desk.actor.user_id:
            raise UserInputError("不能重设自己的密码：请用“修改密码”（需输入原密码）。")
        user.password_hash = hash_password(new_password)
        old = active_key(session, user.id)
        if old is not None:
            old.retired_at = utcnow()
        session.flush()
        issue_key(session, user, new_password)
        record_event(session, "reset_password", "users", user.id, username=user.username)


def change_own_password(desk: Desk, old_password: str, new_password: str) -> None:
    """The signed-in user changes their own password (any role)."""
    if desk.actor.user_id is None:
        raise PermissionDeniedError("请先登录，再修改自己的密码。")
    with desk.unit() as session:
        user = _user(session, desk.actor.user_id)
        if not user.active:
            raise PermissionDeniedError("该账号已停用。")
        if not verify_password(old_password, user.password_hash):
            raise UserInputError("原密码不正确。")
        check_password(new_password)
        if new_password == old_password:
            raise UserInputError("新密码不能与原密码相同。")
        user.password_hash = hash_password(new_password)
        key = active_key(session, user.id)
        if key is None:
            issue_key(session, user, new_password, self_signed=session_signer(session) is None)
        else:
            _store_sealed(key, security.seal(security.unseal(_sealed(key), old_password), new_password))
        session.flush()
        record_event(session, "change_password", "users", user.id, username=user.username)
