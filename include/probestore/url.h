/* URLs: parsing, host_port directory names, URL hashes, the URL mutex manager. */
#ifndef PROBESTORE_URL_H
#define PROBESTORE_URL_H

#endif
