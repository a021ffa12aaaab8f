/* Internal schema functions: conversion to and from file metadata. */
#ifndef PARQ_SCHEMA_H
#define PARQ_SCHEMA_H

#include "parq/meta.h"
#include "util.h"

/* Builds a schema from the flattened SchemaElement list of a file. */
int parq_schema_from_meta(parq_schema **out, const parq_meta_schema_elem *elems, uint32_t n);
/* Like parq_schema_finish, with errors reported as corruption. */
int parq_schema_finish_read(parq_schema *s);
/* Flattens a finished schema (depth first); *out is malloc'ed, names point into s. */
int parq_schema_to_meta(const parq_schema *s, parq_meta_schema_elem **out, uint32_t *n);

#endif
