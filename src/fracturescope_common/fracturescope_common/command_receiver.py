"""A node that obeys operator commands on `operator/command` (control, the defect detector): the parameters it
declares, the verifier they make, and the one decision per message every receiver takes -- addressed to another
subsystem (counted), refused (counted by reason on /diagnostics, logged), or to be obeyed.

Verification itself (signature, trusted issuer, freshness, nonce) is operator_commands.CommandVerifier."""

from collections.abc import Callable, Collection
from typing import Any

from rclpy.parameter import Parameter

from fracturescope_common.diagnostics_contract import Family, count
from fracturescope_common.health import Health
from fracturescope_common.operator_commands import (
    CommandFields,
    CommandVerifier,
    Rejection,
    fields_of,
    load_trusted_keys,
)
from fracturescope_common.params import ParameterSpec
from fracturescope_common.used_nonces import UsedNonceFile

D, INT, S, SA = Parameter.Type.DOUBLE, Parameter.Type.INTEGER, Parameter.Type.STRING, Parameter.Type.STRING_ARRAY
VERIFIER_PARAMETERS = (
    ParameterSpec('trusted_operator_keys', SA, 'issuer:key entries, key = 64 hex digits or a .pub / PEM file (list)'),
    ParameterSpec('command_max_age_s', D, 'operator commands older than this are refused (s)'),
    ParameterSpec('command_max_future_s', D, 'allowed clock skew of an operator command ahead of ours (s)'),
    ParameterSpec('command_nonce_memory', INT, 'most nonces remembered within the freshness window (count)'),
    ParameterSpec('used_nonce_file', S, "accepted commands' nonces kept across restarts; '' = none, then commands "
                  'issued before the node started are refused (path)'),
)
TARGET_PARAMETER = ParameterSpec('command_target', S, 'target name this node obeys besides "" (name)')

COMMANDS_FOR_OTHERS = count('commands_for_others')
REJECTED = Family('rejected_', tuple(Rejection))                    # a node whose commands are all it is about
COMMAND_REJECTED = Family('command_rejected_', tuple(Rejection))    # a node with other things to reject


def command_verifier(p: Any, log_error: Callable[[str], None]) -> CommandVerifier:
    """The verifier configured by VERIFIER_PARAMETERS (values `p`); an unreadable key file is logged and that
    operator's commands are refused (fail closed), the node keeps running."""
    trusted, unreadable = load_trusted_keys(p.trusted_operator_keys)
    for problem in unreadable:
        log_error(f"operator key not loaded, that operator's commands will be refused: {problem}")
    return CommandVerifier(trusted, p.command_max_age_s, p.command_max_future_s, p.command_nonce_memory,
                           used_nonces=UsedNonceFile(p.used_nonce_file) if p.used_nonce_file else None)


class CommandReceiver:
    """Per OperatorCommand message: its verified fields when this node is to obey it, else None (not addressed
    to `target` or "", not one of `commands`, or refused by the verifier: counted under `rejected`)."""

    def __init__(self, verifier: CommandVerifier, target: str, commands: Collection[int], health: Health,
                 warn: Callable[[str], None], rejected: Family = REJECTED) -> None:
        self.verifier, self._target, self._commands = verifier, target, frozenset(commands)
        self._health, self._warn, self._rejected = health, warn, rejected

    def receive(self, msg: Any) -> CommandFields | None:
        if msg.target not in ('', self._target) or msg.command not in self._commands:
            self._health.count(COMMANDS_FOR_OTHERS)
            return None
        command = fields_of(msg)
        verdict = self.verifier.check(command)
        if not verdict.accepted:
            self._health.problem(self._rejected[verdict.reason], verdict.detail)
            self._warn(f'operator command refused ({verdict.reason}): {verdict.detail}')
            return None
        return command
