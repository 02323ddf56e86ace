"""Parameters of the ledger node (values: config/ledger.yaml)."""

from fracturescope_common.params import ParameterSpec
from rclpy.parameter import Parameter

PARAMETERS = (
    ParameterSpec('database_path', Parameter.Type.STRING, 'SQLite ledger file; created with its folder (path)'),
    ParameterSpec('key_path', Parameter.Type.STRING,
                  'Ed25519 private key (PEM) signing checkpoints; created mode 0600 on first run (path)'),
    ParameterSpec('witness_path', Parameter.Type.STRING,
                  'append-only file receiving every signed checkpoint; the ledger is checked against it at start; '
                  'relative to the folder of database_path unless absolute (path)'),
    ParameterSpec('defect_topics', Parameter.Type.STRING_ARRAY, 'DefectDetection topics recorded (names)'),
    ParameterSpec('edge_topics', Parameter.Type.STRING_ARRAY, 'EdgeMeasurement topics recorded (names)'),
    ParameterSpec('thermal_topics', Parameter.Type.STRING_ARRAY, 'ThermalAssessment topics recorded (names)'),
    ParameterSpec('allowed_labels', Parameter.Type.STRING_ARRAY,
                  'labels a defect block may carry; others are rejected (names)'),
    ParameterSpec('edge_location', Parameter.Type.STRING, 'location written in edge blocks (asset id)'),
    ParameterSpec('thermal_location', Parameter.Type.STRING,
                  'location written in thermal blocks: the monitored equipment (asset id)'),
    ParameterSpec('edge_tracker_id', Parameter.Type.STRING, 'model id written in edge blocks (name@version)'),
    ParameterSpec('max_batch', Parameter.Type.INTEGER, 'most appends committed in one transaction (blocks)'),
    ParameterSpec('max_text_bytes', Parameter.Type.INTEGER,
                  'longest location, label, model id or value name taken in (bytes)'),
    ParameterSpec('max_images', Parameter.Type.INTEGER, 'most image digests in one message taken in (count)'),
    ParameterSpec('max_values', Parameter.Type.INTEGER, 'most named values in one message taken in (count)'),
    ParameterSpec('duplicate_window', Parameter.Type.INTEGER,
                  'newest blocks whose results are recognised when delivered again (blocks)'),
    ParameterSpec('free_space_reserve_mb', Parameter.Type.DOUBLE,
                  'appends are refused while the disk holding the database has less free space than this (MB)'),
    ParameterSpec('milestone_every', Parameter.Type.INTEGER,
                  'keep a signed checkpoint each time the tree grows by this much (blocks)'),
    ParameterSpec('diagnostics_period_s', Parameter.Type.DOUBLE, 'period of /diagnostics reports (s)'),
)
