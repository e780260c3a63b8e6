/* graph.c — union-find components, iterative Tarjan SCC, reachability. */
#include "analysis/graph.h"
#include "common/err.h"

#include <stdlib.h>
#include <string.h>

static uint32_t uf_find(uint32_t *parent, uint32_t v)
{
    while (parent[v] != v) {
        parent[v] = parent[parent[v]];
        v = parent[v];
    }
    return v;
}

size_t graph_components(size_t nv, const uint32_t *a, const uint32_t *b, size_t ne, uint32_t *comp)
{
    uint32_t *parent = xmalloc(nv * sizeof *parent);
    for (size_t v = 0; v < nv; v++)
        parent[v] = (uint32_t)v;
    for (size_t i = 0; i < ne; i++) {
        uint32_t x = uf_find(parent, a[i]), y = uf_find(parent, b[i]);
        if (x != y)
            parent[x] = y;
    }
    uint32_t *label = xmalloc(nv * sizeof *label);
    for (size_t v = 0; v < nv; v++)
        label[v] = UINT32_MAX;
    size_t nc = 0;
    for (size_t v = 0; v < nv; v++) {
        uint32_t r = uf_find(parent, (uint32_t)v);
        if (label[r] == UINT32_MAX)
            label[r] = (uint32_t)nc++;
        comp[v] = label[r];
    }
    free(parent);
    free(label);
    return nc;
}

/* Adjacency in CSR form. */
static void build_adj(size_t nv, const uint32_t *from, const uint32_t *to, size_t ne,
                      size_t **start, uint32_t **adj)
{
    size_t *st = xcalloc(nv + 1, sizeof *st);
    uint32_t *ad = xmalloc((ne ? ne : 1) * sizeof *ad);
    for (size_t i = 0; i < ne; i++)
        st[from[i] + 1]++;
    for (size_t v = 0; v < nv; v++)
        st[v + 1] += st[v];
    size_t *fill = xmalloc((nv + 1) * sizeof *fill);
    memcpy(fill, st, (nv + 1) * sizeof *fill);
    for (size_t i = 0; i < ne; i++)
        ad[fill[from[i]]++] = to[i];
    free(fill);
    *start = st;
    *adj = ad;
}

size_t graph_scc(size_t nv, const uint32_t *from, const uint32_t *to, size_t ne, uint32_t *scc)
{
    size_t *start;
    uint32_t *adj;
    build_adj(nv, from, to, ne, &start, &adj);
    const uint32_t UNSEEN = UINT32_MAX;
    uint32_t *index = xmalloc(nv * sizeof *index), *low = xmalloc(nv * sizeof *low);
    uint8_t *on = xcalloc(nv ? nv : 1, 1);
    uint32_t *stack = xmalloc((nv ? nv : 1) * sizeof *stack);
    uint32_t *cs_v = xmalloc((nv ? nv : 1) * sizeof *cs_v);  /* call stack: vertex */
    size_t *cs_e = xmalloc((nv ? nv : 1) * sizeof *cs_e);    /* call stack: next edge */
    size_t sp = 0, next = 0, nscc = 0;
    for (size_t v = 0; v < nv; v++)
        index[v] = UNSEEN;
    for (size_t root = 0; root < nv; root++) {
        if (index[root] != UNSEEN)
            continue;
        size_t csp = 0;
        cs_v[csp] = (uint32_t)root;
        cs_e[csp++] = start[root];
        index[root] = low[root] = (uint32_t)next++;
        stack[sp++] = (uint32_t)root;
        on[root] = 1;
        while (csp) {
            uint32_t v = cs_v[csp - 1];
            if (cs_e[csp - 1] < start[v + 1]) {
                uint32_t w = adj[cs_e[csp - 1]++];
                if (index[w] == UNSEEN) {
                    index[w] = low[w] = (uint32_t)next++;
                    stack[sp++] = w;
                    on[w] = 1;
                    cs_v[csp] = w;
                    cs_e[csp++] = start[w];
                } else if (on[w] && index[w] < low[v]) {
                    low[v] = index[w];
                }
                continue;
            }
            if (low[v] == index[v]) {
                uint32_t w;
                do {
                    w = stack[--sp];
                    on[w] = 0;
                    scc[w] = (uint32_t)nscc;
                } while (w != v);
                nscc++;
            }
            csp--;
            if (csp) {
                uint32_t u = cs_v[csp - 1];
                if (low[v] < low[u])
                    low[u] = low[v];
            }
        }
    }
    free(start);
    free(adj);
    free(index);
    free(low);
    free(on);
    free(stack);
    free(cs_v);
    free(cs_e);
    return nscc;
}

void graph_reach(size_t nv, const uint32_t *from, const uint32_t *to, size_t ne, uint32_t src,
                 uint8_t *reach)
{
    size_t *start;
    uint32_t *adj;
    build_adj(nv, from, to, ne, &start, &adj);
    memset(reach, 0, nv);
    uint32_t *queue = xmalloc((nv ? nv : 1) * sizeof *queue);
    size_t qh = 0, qt = 0;
    reach[src] = 1;
    queue[qt++] = src;
    while (qh < qt) {
        uint32_t v = queue[qh++];
        for (size_t e = start[v]; e < start[v + 1]; e++)
            if (!reach[adj[e]]) {
                reach[adj[e]] = 1;
                queue[qt++] = adj[e];
            }
    }
    free(queue);
    free(start);
    free(adj);
}
