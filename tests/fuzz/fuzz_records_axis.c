/* fuzz_records_axis.c — axis-eval records (analysis/records.c through
 * common/jsonl.c): axisset_load and record_parse_axis. */
#define SET AxisSet
#define SET_INIT axisset_init
#define SET_LOAD axisset_load
#define SET_FREE axisset_free
#define RECORD AxisRecord
#define RECORD_PARSE record_parse_axis
#include "tests/fuzz/records.inc"
