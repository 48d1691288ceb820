"""Which IP addresses the engine's outbound calls may connect to (pure logic, no I/O).

A :class:`NetworkPolicy` is a set of CIDR rules: the operator's deny and allow lists plus the
built-in deny rules (:data:`BUILT_IN_DENY`: link-local, cloud metadata, unspecified). The most
specific rule containing the address decides (longest prefix, as in a routing table); on equal
prefixes an explicit deny beats an explicit allow, which beats a built-in deny. An address no
rule contains is allowed. So an operator can deny ``10.0.0.0/8`` and allow ``10.1.2.0/24``,
allowing ``0.0.0.0/0`` does not re-open the metadata address (a ``/32`` built-in rule), and only
an explicit ``169.254.169.254/32`` allow does.

IPv4-mapped (``::ffff:a.b.c.d``) and NAT64 (``64:ff9b::a.b.c.d``) IPv6 addresses are checked as
the IPv4 address they reach.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass
from typing import Literal

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

ALLOW_CIDRS_ENV = "STIGMER_EGRESS_ALLOW_CIDRS"
"""Environment variable: CIDRs (comma or space separated) the engine may connect to."""

DENY_CIDRS_ENV = "STIGMER_EGRESS_DENY_CIDRS"
"""Environment variable: CIDRs the engine may not connect to."""

_MAPPED = ipaddress.IPv6Network("::ffff:0:0/96")
_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")

METADATA_ADDRESSES = frozenset(
    ipaddress.ip_address(a) for a in ("169.254.169.254", "fd00:ec2::254", "100.100.100.200")
)
"""Cloud instance metadata services (AWS/GCP/Azure/OpenStack, AWS IPv6, Alibaba)."""

Origin = Literal["deny", "allow", "built-in"]
_TIE_ORDER: dict[Origin, int] = {"deny": 0, "allow": 1, "built-in": 2}


@dataclass(frozen=True)
class Rule:
    """One CIDR rule.

    Attributes:
        network: The addresses it covers.
        origin: ``deny``/``allow`` (the operator's lists) or ``built-in`` (a default deny).
    """

    network: IPNetwork
    origin: Origin

    @property
    def allows(self) -> bool:
        """Whether an address this rule decides may be connected to."""
        return self.origin == "allow"

    def describe(self) -> str:
        """The rule as named in errors, e.g. ``STIGMER_EGRESS_DENY_CIDRS 10.0.0.0/8``."""
        if self.origin == "built-in":
            return f"the built-in deny rule {self.network}"
        return f"{DENY_CIDRS_ENV if self.origin == 'deny' else ALLOW_CIDRS_ENV} {self.network}"


BUILT_IN_DENY: tuple[Rule, ...] = tuple(
    Rule(ipaddress.ip_network(cidr), "built-in")
    for cidr in (
        "169.254.0.0/16",  # link-local, holds 169.254.169.254
        "fe80::/10",
        "169.254.169.254/32",
        "fd00:ec2::254/128",
        "100.100.100.200/32",
        "0.0.0.0/8",  # "this network": 0.0.0.0 reaches the local host on Linux
        "::/128",
    )
)
"""Denied unless an operator rule at least as specific allows them."""


@dataclass(frozen=True)
class Denial:
    """Why an address was refused.

    Attributes:
        address: The (normalized) address.
        address_class: ``cloud metadata``, ``link-local``, ``loopback``, ``private``,
            ``unspecified`` or ``public``.
        rule: The deciding rule, described.
    """

    address: str
    address_class: str
    rule: str


def normalize(address: IPAddress) -> IPAddress:
    """The IPv4 address an IPv4-mapped or NAT64 IPv6 address reaches; others unchanged."""
    if isinstance(address, ipaddress.IPv6Address) and (address in _MAPPED or address in _NAT64):
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return address


def _normalize_network(network: IPNetwork) -> IPNetwork:
    if isinstance(network, ipaddress.IPv6Network) and network.prefixlen >= 96:
        for prefix in (_MAPPED, _NAT64):
            if network.subnet_of(prefix):
                base = ipaddress.IPv4Address(int(network.network_address) & 0xFFFFFFFF)
                return ipaddress.IPv4Network(f"{base}/{network.prefixlen - 96}")
    return network


def address_class(address: IPAddress) -> str:
    """A short name of the kind of address, for errors and logs."""
    address = normalize(address)
    if address in METADATA_ADDRESSES:
        return "cloud metadata"
    if address.is_unspecified or address in ipaddress.IPv4Network("0.0.0.0/8"):
        return "unspecified"
    if address.is_loopback:
        return "loopback"
    if address.is_link_local:
        return "link-local"
    if address.is_private or address in ipaddress.IPv4Network("100.64.0.0/10"):
        return "private"
    return "public"


def parse_cidrs(text: str, setting: str) -> tuple[IPNetwork, ...]:
    """Parse a comma- or space-separated CIDR list (a bare address is a single-address rule).

    Raises:
        ValueError: An item is not an address or network; the message names ``setting``.
    """
    networks: list[IPNetwork] = []
    for item in re.split(r"[\s,]+", text.strip()):
        if not item:
            continue
        try:
            networks.append(ipaddress.ip_network(item, strict=False))
        except ValueError:
            raise ValueError(f"{setting}: {item!r} is not an IP address or CIDR") from None
    return tuple(networks)


@dataclass(frozen=True)
class NetworkPolicy:
    """The operator's CIDR lists over the built-in deny rules (see the module docstring).

    Attributes:
        allow: Operator allow rules (``STIGMER_EGRESS_ALLOW_CIDRS``).
        deny: Operator deny rules (``STIGMER_EGRESS_DENY_CIDRS``).
    """

    allow: tuple[IPNetwork, ...] = ()
    deny: tuple[IPNetwork, ...] = ()

    @classmethod
    def from_settings(cls, allow: str, deny: str) -> NetworkPolicy:
        """Build a policy from the two settings' text (see :func:`parse_cidrs`)."""
        return cls(
            allow=parse_cidrs(allow, ALLOW_CIDRS_ENV), deny=parse_cidrs(deny, DENY_CIDRS_ENV)
        )

    def rules(self) -> list[Rule]:
        """Every rule, normalized (mapped/NAT64 IPv6 networks as IPv4)."""
        return [
            *(Rule(_normalize_network(n), "deny") for n in self.deny),
            *(Rule(_normalize_network(n), "allow") for n in self.allow),
            *BUILT_IN_DENY,
        ]

    def deciding_rule(self, address: IPAddress) -> Rule | None:
        """The most specific rule containing ``address`` (ties: deny, allow, built-in)."""
        target = normalize(address)
        matching = [
            r for r in self.rules() if r.network.version == target.version and target in r.network
        ]
        if not matching:
            return None
        return min(matching, key=lambda r: (-r.network.prefixlen, _TIE_ORDER[r.origin]))

    def check(self, address: str | IPAddress) -> Denial | None:
        """Return None when the engine may connect to ``address``, else why not."""
        parsed = ipaddress.ip_address(address) if isinstance(address, str) else address
        rule = self.deciding_rule(parsed)
        if rule is None or rule.allows:
            return None
        return Denial(str(normalize(parsed)), address_class(parsed), rule.describe())
