"""What the main job tells a person at the end of a run: one line per figure, and whether all is well."""

from dataclasses import dataclass, field
import json
from pathlib import Path

from fracturescope_ledger.checkpoint import Checkpoint
from fracturescope_ledger.diagnostics_contract import BLOCKS_OF, LEDGER, REJECTED
from fracturescope_ledger.merkle import verify_consistency
from fracturescope_testing.graph_monitor import EdgeObservations, GraphObservations

from fracturescope_msgs.srv import GetConsistencyProof, VerifyLedger


@dataclass
class Summary:
    """Rows of (topic, text), each check's figures and verdict, and the overall verdict, filled as the run goes."""

    title: str
    rows: list[tuple[str, str]] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    checks: dict[str, dict] = field(default_factory=dict)   # topic -> figures, verdict, problem

    @property
    def all_ok(self) -> bool:
        return not self.problems

    def add(self, topic: str, text: str, problem: str | None = None, **figures: float | int | str | bool) -> None:
        self.rows.append((topic, text))
        self.checks[topic] = {'verdict': 'FAIL' if problem else 'OK', 'problem': problem, 'figures': figures}
        if problem:
            self.problems.append(problem)

    def write_json(self, path: Path) -> None:
        """The summary for programs: each check's figures and OK / FAIL, and the overall verdict."""
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps({'title': self.title, 'verdict': 'OK' if self.all_ok else 'FAIL',
                                    'problems': self.problems, 'checks': self.checks}, indent=2) + '\n')

    def render(self) -> str:
        width = max(len(topic) for topic, _ in self.rows) if self.rows else 0
        lines = ['', self.title, '=' * len(self.title)]
        lines += [f'  {topic:<{width}}  {text}' for topic, text in self.rows]
        verdict = 'ALL OK' if self.all_ok else 'PROBLEMS: ' + '; '.join(self.problems)
        return '\n'.join([*lines, '', verdict])


def defect_blocks(observed: GraphObservations) -> int:
    """Defect blocks the ledger node has written since it started (its cumulative per-type counter: exact even
    for blocks written before this observer matched, unlike counting ledger/blocks messages)."""
    return observed.read(LEDGER)[BLOCKS_OF['defect']]


def progress_line(elapsed_s: float, duration_s: float, observed: GraphObservations) -> str:
    checkpoint = observed.checkpoint
    head = f'{checkpoint.root_hash[:12]}@{checkpoint.tree_size}' if checkpoint and checkpoint.tree_size else '-'
    if not observed.reported(LEDGER):
        return f'[{elapsed_s:5.1f}/{duration_s:.0f} s] waiting for the ledger\'s first report'
    written = defect_blocks(observed)
    rate = written / elapsed_s if elapsed_s > 0 else 0.0
    return (f'[{elapsed_s:5.1f}/{duration_s:.0f} s] defect blocks {written} ({rate:.1f}/s)  '
            f'rejected {observed.read(LEDGER)[REJECTED]}  signed checkpoint {head}')


def edges_measured(edges: EdgeObservations, frames: int = 30) -> bool:
    """The edge tracker has measured `frames` frames with a sheet in view (enough for the edge error row)."""
    return len(edges.errors_mm()) >= 2 * frames


def add_edge_rows(summary: Summary, edges: EdgeObservations, max_mean_error_mm: float = 2.0) -> None:
    """Edge-Eye: measurements by status, and the error against the simulator's ground truth (mm)."""
    names = {0: 'ok', 1: 'repaired', 2: 'unrecognised', 3: 'no material'}
    counts = ', '.join(f'{names.get(s, s)} {n}' for s, n in sorted(edges.statuses.items()))
    summary.add('edges', f'{len(edges.measured)} measurements ({counts or "none"})',
                None if edges.measured else 'the edge tracker measured nothing')
    errors = sorted(edges.errors_mm())
    if not errors:
        summary.add('edge error', 'no measurement matched a frame with a sheet in view',
                    'no edge measurement to compare with the ground truth' if edges.measured else None)
        return
    mean = sum(errors) / len(errors)
    p95 = errors[min(int(0.95 * len(errors)), len(errors) - 1)]
    summary.add('edge error', f'mean {mean:.2f} mm, p95 {p95:.2f} mm, max {errors[-1]:.2f} mm against the ground '
                f'truth ({len(errors) // 2} frames, both edges)',
                f'edge error {mean:.2f} mm over {max_mean_error_mm} mm' if mean > max_mean_error_mm else None)


def add_ledger_rows(
    summary: Summary,
    observed: GraphObservations,
    run_s: float,
    before: Checkpoint | None,
    verification: VerifyLedger.Response | None,
    consistency: GetConsistencyProof.Response | None,
) -> None:
    size_before = before.tree_size if before else 0
    checkpoint = observed.checkpoint
    total = checkpoint.tree_size if checkpoint else 0
    summary.add('blocks written', f'{total - size_before} this run ({(total - size_before) / run_s:.1f} blocks/s, '
                f'paced by the simulator), {total} in the ledger',
                None if total > size_before else 'no block was written', this_run=total - size_before,
                in_ledger=total)
    if verification is None:
        summary.add('verification', 'the ledger/verify service did not answer', 'verify service did not answer')
    elif verification.ok:
        summary.add('verification', f'OK: {verification.blocks_checked} blocks, hashes, links, Merkle root and '
                    f'signed checkpoint ({verification.duration_s:.2f} s)', blocks_checked=verification.blocks_checked)
    else:
        summary.add('verification', f'FAILED at block {verification.first_bad_index}: {verification.reason}',
                    'ledger verification failed')
    summary.add('append-only', *_consistency_text(before, checkpoint, consistency), new_ledger=before is None)
    if checkpoint:
        summary.add('checkpoint', f'{checkpoint.tree_size} blocks, root {checkpoint.root_hash[:16]}…, '
                    f'signed by key {checkpoint.key_id}')


def _consistency_text(before: Checkpoint | None, after, proof) -> tuple[str, str | None]:  # noqa: ANN001
    if before is None:
        return 'new ledger: nothing earlier to prove against', None
    if proof is None or not proof.success:
        return 'consistency proof not available', 'no consistency proof'
    proven = (
        proof.first_root_hash == before.root_hash.hex()
        # Edge measurements keep the ledger growing: the last checkpoint seen may already be past the proof.
        and after is not None and (proof.second_root_hash == after.root_hash or after.tree_size != proof.second_size)
        and verify_consistency(before.tree_size, proof.second_size, before.root_hash,
                               bytes.fromhex(proof.second_root_hash), [bytes.fromhex(h) for h in proof.proof])
    )
    if not proven:
        return 'consistency proof does NOT verify: earlier blocks changed', 'consistency proof failed'
    return (f'proven: the {before.tree_size}-block ledger found at start is a prefix of the '
            f'{proof.second_size}-block ledger now (RFC 9162 consistency proof)', None)
