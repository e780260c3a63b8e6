/* fuzz_records_cmp.c — comparison records (analysis/records.c through
 * common/jsonl.c): cmpset_load and record_parse_comparison. */
#define SET ComparisonSet
#define SET_INIT cmpset_init
#define SET_LOAD cmpset_load
#define SET_FREE cmpset_free
#define RECORD CmpRecord
#define RECORD_PARSE record_parse_comparison
#include "tests/fuzz/records.inc"
