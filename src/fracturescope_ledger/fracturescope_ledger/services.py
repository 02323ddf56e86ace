"""The ledger's services (verify, proofs, checkpoint) over a LedgerStore, as request -> response functions."""

from fracturescope_ledger.merkle import leaf_hash
from fracturescope_ledger.messages import checkpoint_message
from fracturescope_ledger.store import LedgerStore
from fracturescope_ledger.verify import VerifyReport, verify_ledger
from fracturescope_msgs.srv import GetCheckpoint, GetConsistencyProof, GetInclusionProof, VerifyLedger


class LedgerServices:
    """Answers service requests from the store; `trusted_public_key` is the key checkpoints must carry."""

    def __init__(self, store: LedgerStore, trusted_public_key: bytes) -> None:
        self._store = store
        self._trusted_public_key = trusted_public_key

    def verify(self, request: VerifyLedger.Request, response: VerifyLedger.Response) -> VerifyReport:
        """Fill `response`; return the report so the caller can log and count a failure."""
        first, last = (0, None) if request.whole_ledger else (request.first_index, request.last_index)
        report = verify_ledger(self._store.path, first, last, trusted_public_key=self._trusted_public_key)
        response.ok = report.ok
        response.blocks_checked = report.blocks_checked
        response.first_bad_index = -1 if report.first_bad_index is None else report.first_bad_index
        response.reason = report.reason
        response.checkpoint = checkpoint_message(report.checkpoint)
        response.duration_s = report.duration_s
        return report

    def inclusion_proof(
        self, request: GetInclusionProof.Request, response: GetInclusionProof.Response
    ) -> GetInclusionProof.Response:
        tree_size = request.tree_size or self._latest_size()
        try:
            proof, root = self._store.inclusion_proof(request.index, tree_size)
            block = self._store.get_block(request.index)
        except (ValueError, IndexError, KeyError) as error:
            response.message = str(error)
            return response
        response.success = True
        response.tree_size = tree_size
        response.leaf_hash = leaf_hash(block.hash).hex()
        response.audit_path = [node.hex() for node in proof]
        response.root_hash = root.hex()
        response.checkpoint = checkpoint_message(self._store.checkpoint_at(tree_size))
        return response

    def consistency_proof(
        self, request: GetConsistencyProof.Request, response: GetConsistencyProof.Response
    ) -> GetConsistencyProof.Response:
        second = request.second_size or self._latest_size()
        try:
            proof, first_root, second_root = self._store.consistency_proof(request.first_size, second)
        except (ValueError, IndexError) as error:
            response.message = str(error)
            return response
        response.success = True
        response.second_size = second
        response.first_root_hash = first_root.hex()
        response.second_root_hash = second_root.hex()
        response.proof = [node.hex() for node in proof]
        return response

    def checkpoint(self, _request: GetCheckpoint.Request, response: GetCheckpoint.Response) -> GetCheckpoint.Response:
        checkpoint = self._store.latest_checkpoint()
        response.success = checkpoint is not None
        response.message = '' if checkpoint else 'the ledger is empty'
        response.checkpoint = checkpoint_message(checkpoint)
        return response

    def _latest_size(self) -> int:
        checkpoint = self._store.latest_checkpoint()
        return checkpoint.tree_size if checkpoint else 0
