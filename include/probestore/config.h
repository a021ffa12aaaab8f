/* Configuration: YAML with the seed's keys, defaults, environment overrides. */
#ifndef PROBESTORE_CONFIG_H
#define PROBESTORE_CONFIG_H

#endif
