"""Operators' commands.

  python -m gateway.manage create-staff --username U --office 33.71.02 --role clerk
      (password read from stdin; at least 12 characters, not the username, not a common one)
  python -m gateway.manage set-password --username U        (stdin; ends the account's tokens)
  python -m gateway.manage disable-staff|enable-staff|delete-staff --username U
      (disabling or deleting ends the account's tokens at once)
  python -m gateway.manage unlock-staff [--username U] [--address IP]
      (lifts the lock that repeated failed logins put on an account or address)
  python -m gateway.manage load-offices FILE      offices, permit types, facilities
  python -m gateway.manage load-demo              Kota Magelang demo, once, with demo staff
  python -m gateway.manage wait-ready [--timeout S]
"""
import argparse
import getpass
import os
import sys
import time

import yaml
from nameko.exceptions import RemoteError

from gateway.auth import ROLES, LoginThrottle, StaffStore
from gateway.rpc import RpcPool, ServiceUnavailable
from services.common import config
from services.common.errors import from_remote
from services.common.mongo import connect

DEMO_FILE = os.path.join(os.path.dirname(__file__), "data", "kota-magelang.yaml")
DEMO_PASSWORD = os.environ.get("SENJA_DEMO_PASSWORD", "magelang-malam")


def _gateway_db(settings):
    prefix = os.environ.get("MONGO_DB_PREFIX", "")
    return connect(settings.mongo_uri)[prefix + "senja_gateway"]


def _staff_store(settings):
    return StaffStore(_gateway_db(settings))


def _read_password():
    if sys.stdin.isatty():
        return getpass.getpass("Password: ")
    return sys.stdin.readline().rstrip("\n")


def create_staff(args, settings):
    try:
        made = _staff_store(settings).create(args.username, _read_password(), args.role, args.office)
    except ValueError as err:
        sys.exit(f"error: {err}")
    print(f"created {made['role']} {made['username']} for {', '.join(made['office_ids'])}")


def change_staff(args, settings):
    """set-password, disable-staff, enable-staff, delete-staff: each ends the account's tokens."""
    store = _staff_store(settings)
    try:
        if args.command == "set-password":
            store.set_password(args.username, _read_password())
        elif args.command == "delete-staff":
            if not store.delete(args.username):
                raise ValueError(f"no staff account {args.username}")
        else:
            store.set_active(args.username, args.command == "enable-staff")
    except ValueError as err:
        sys.exit(f"error: {err}")
    print(f"{args.command}: {args.username} done; the account's tokens no longer work")


def unlock_staff(args, settings):
    if not (args.username or args.address):
        sys.exit("error: give --username, --address or both")
    lifted = LoginThrottle(_gateway_db(settings)).unlock(args.username, args.address)
    print(f"unlocked ({lifted} lock{'s' if lifted != 1 else ''} lifted)")


def wait_ready(rpc, timeout):
    deadline = time.monotonic() + timeout
    while True:
        try:
            if all(rpc.call(s, "health")["database"] for s in ("queue", "permits", "accessibility")):
                return True
        except ServiceUnavailable:
            pass
        if time.monotonic() > deadline:
            return False
        time.sleep(0.5)


def load_offices(rpc, path, actor="system:load"):
    with open(path) as fh:
        data = yaml.safe_load(fh)
    for office in data.get("offices", []):
        made = _call(rpc, "queue", "put_office", office, actor=actor)
        print(f"office {made['id']} {made['name']}")
    for permit_type in data.get("permit_types", []):
        _call(rpc, "permits", "put_permit_type", permit_type)
        print(f"permit type {permit_type['code']}")
    # The service dates a new or changed facility's verification; a reload keeps it.
    for facility in data.get("facilities", []):
        # The accessibility service learns of offices by event: wait for it.
        for attempt in range(40):
            try:
                _call(rpc, "accessibility", "put_facility", facility, actor=actor)
                break
            except SystemExit:
                if attempt == 39:
                    raise
                time.sleep(0.25)
    print(f"{len(data.get('facilities', []))} facilities")
    return data


def load_demo(rpc, settings, force=False):
    if rpc.call("queue", "list_offices") and not force:
        print("demo data already loaded (use --force to load again)")
        return
    data = load_offices(rpc, DEMO_FILE, actor="system:demo")
    store = _staff_store(settings)
    for account in data.get("staff", []):
        store.create(account["username"], DEMO_PASSWORD, account["role"], account["office_ids"],
                     replace=True)
        print(f"staff {account['username']} ({account['role']}, {', '.join(account['office_ids'])})")
    print(f"demo staff password: {DEMO_PASSWORD}")


def _call(rpc, service, method, *args, **kwargs):
    try:
        return rpc.call(service, method, *args, **kwargs)
    except RemoteError as err:
        mapped = from_remote(err.exc_type, err.value)
        body = mapped[1] if mapped else {"detail": err.value}
        sys.stderr.write(f"{service}.{method}: {body.get('detail')} {body.get('errors', '')}\n")
        raise SystemExit(2)


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m gateway.manage")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("create-staff", help="create a staff account; password from stdin")
    p.add_argument("--username", required=True)
    p.add_argument("--office", action="append", required=True, help="office id; repeat for more")
    p.add_argument("--role", choices=ROLES, required=True)
    for name, text in (("set-password", "set a new password (stdin); ends the account's tokens"),
                       ("disable-staff", "disable an account; ends its tokens"),
                       ("enable-staff", "enable a disabled account"),
                       ("delete-staff", "delete an account; ends its tokens")):
        sub.add_parser(name, help=text).add_argument("--username", required=True)
    p = sub.add_parser("unlock-staff", help="lift the failed-login lock of an account or address")
    p.add_argument("--username")
    p.add_argument("--address")
    p = sub.add_parser("load-offices", help="load offices, permit types and facilities from YAML")
    p.add_argument("file")
    p = sub.add_parser("load-demo", help="load the Kota Magelang demo once")
    p.add_argument("--force", action="store_true")
    p = sub.add_parser("wait-ready", help="wait until the three services answer")
    p.add_argument("--timeout", type=float, default=60)
    args = parser.parse_args(argv)

    settings = config.from_env()
    if args.command == "create-staff":
        return create_staff(args, settings)
    if args.command in ("set-password", "disable-staff", "enable-staff", "delete-staff"):
        return change_staff(args, settings)
    if args.command == "unlock-staff":
        return unlock_staff(args, settings)
    rpc = RpcPool(config.nameko_config(settings), timeout=10)
    try:
        if args.command == "wait-ready":
            if not wait_ready(rpc, args.timeout):
                sys.exit("services did not become ready in time")
            print("ready")
        elif args.command == "load-offices":
            load_offices(rpc, args.file)
        elif args.command == "load-demo":
            if not wait_ready(rpc, 60):
                sys.exit("services did not become ready in time")
            load_demo(rpc, settings, args.force)
    finally:
        rpc.close()


if __name__ == "__main__":
    main()
