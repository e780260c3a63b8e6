/* graph.h — the comparison graph of policies: which policies are connected
 * to the baseline, and the strongly connected components of the win graph
 * (an edge a -> b when a beat b at least once). A Bradley-Terry fit has a
 * finite maximum only within a strongly connected win graph (Zermelo 1929;
 * Ford 1957), so the components tell which strengths are identified. */
#ifndef TL_GRAPH_H
#define TL_GRAPH_H

#include <stddef.h>
#include <stdint.h>

/* Labels the connected components of the undirected graph on nv vertices
 * with edges (a[i], b[i]); comp[v] in 0..ncomp-1. Returns ncomp. */
size_t graph_components(size_t nv, const uint32_t *a, const uint32_t *b, size_t ne, uint32_t *comp);

/* Labels the strongly connected components of the directed graph with
 * edges from[i] -> to[i]; scc[v] in 0..nscc-1. Returns nscc. */
size_t graph_scc(size_t nv, const uint32_t *from, const uint32_t *to, size_t ne, uint32_t *scc);

/* reach[v] = 1 when v is reachable from src along the edges (src included). */
void graph_reach(size_t nv, const uint32_t *from, const uint32_t *to, size_t ne, uint32_t src,
                 uint8_t *reach);

#endif
