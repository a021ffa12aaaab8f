/* Logging: levels, a caller-set callback, the default stderr logger. */
#ifndef PROBESTORE_LOG_H
#define PROBESTORE_LOG_H

#endif
