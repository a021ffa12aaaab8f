/* The YAML configuration loader, over the defaults, as `--config FILE`
 * loads a file. A document that loads must leave a configuration that
 * validates, copies and frees cleanly; one that fails must leave the
 * configuration as it was. */
#include "fuzz.h"
#include "probestore/probestore.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	ps_config cfg, before;
	if (ps_config_default(&cfg) != 0)
		return 0;
	FUZZ_ASSERT(ps_config_copy(&before, &cfg) == 0);
	int rc = ps_config_load_mem(&cfg, data, size, "fuzz.yaml");
	if (rc == 0) {
		FUZZ_ASSERT(ps_config_validate(&cfg) == 0);
		ps_config copy;
		FUZZ_ASSERT(ps_config_copy(&copy, &cfg) == 0);
		FUZZ_ASSERT((copy.base_path == NULL) == (cfg.base_path == NULL));
		FUZZ_ASSERT(!cfg.base_path || strcmp(copy.base_path, cfg.base_path) == 0);
		ps_config_free(&copy);
	} else {
		FUZZ_ASSERT(cfg.base_path && strcmp(cfg.base_path, before.base_path) == 0);
		FUZZ_ASSERT(cfg.codec == before.codec && cfg.log.level == before.log.level);
		FUZZ_ASSERT(ps_errmsg()[0] != 0);
	}
	ps_config_free(&cfg);
	ps_config_free(&before);
	return 0;
}
