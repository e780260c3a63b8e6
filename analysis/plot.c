/* plot.c — figure scripts, and running gnuplot on them in a temporary
 * folder so that images appear whole or not at all. */
#include "analysis/plot.h"
#include "common/atomic.h"
#include "common/util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

void figure_init(Figure *f, const char *kind, int width, int height)
{
    memset(f, 0, sizeof *f);
    f->kind = kind;
    f->width = width;
    f->height = height;
    sb_init(&f->csv);
    sb_init(&f->body);
    sb_init(&f->notes);
}

void figure_free(Figure *f)
{
    sb_free(&f->csv);
    sb_free(&f->body);
    sb_free(&f->notes);
}

const char *plot_color(int k)
{
    static const char *const C[] = {"#0072B2", "#D55E00", "#009E73", "#CC79A7",
                                    "#E69F00", "#56B4E9", "#000000", "#F0E442"};
    return C[k % 8];
}

void plot_quote(const char *s, char *out, size_t cap)
{
    size_t n = 0;
    for (; *s && n + 2 < cap; s++) {
        if (*s == '"' || *s == '\\')
            out[n++] = '\\';
        out[n++] = *s == '\n' ? ' ' : *s;
    }
    out[n] = '\0';
}

int plot_have_gnuplot(void)
{
    const char *path = getenv("PATH");
    if (!path)
        return 0;
    char *p = xstrdup(path);
    int found = 0;
    for (char *save = NULL, *d = strtok_r(p, ":", &save); d && !found; d = strtok_r(NULL, ":", &save)) {
        char *exe = util_path_join(*d ? d : ".", "gnuplot");
        found = access(exe, X_OK) == 0;
        free(exe);
    }
    free(p);
    return found;
}

char *plot_script(const Figure *f)
{
    StrBuf s;
    sb_init(&s);
    sb_printf(&s,
              "# %s.gp: written by tldrlab %s. Draws %s.png and %s.svg from %s.csv.\n"
              "# Run it from this folder with: gnuplot %s.gp\n"
              "data = \"%s.csv\"\n"
              "do for [fmt in \"png svg\"] {\n"
              "    reset\n"
              "    if (fmt eq \"png\") {\n"
              "        set terminal pngcairo size %d,%d noenhanced font \"Sans,11\" linewidth 1.4\n"
              "        set output \"%s.png\"\n"
              "    } else {\n"
              "        set terminal svg size %d,%d dynamic noenhanced font \"Sans,11\" linewidth 1.4 background \"white\"\n"
              "        set output \"%s.svg\"\n"
              "    }\n"
              "    set datafile separator \",\"\n"
              "    set encoding utf8\n",
              f->kind, TLDRLAB_VERSION, f->kind, f->kind, f->kind, f->kind, f->kind, f->width, f->height, f->kind,
              f->width, f->height, f->kind);
    /* The body, indented into the loop. */
    const char *b = sb_str(&f->body);
    while (*b) {
        const char *e = strchr(b, '\n');
        size_t len = e ? (size_t)(e - b) : strlen(b);
        if (len)
            sb_add(&s, "    ");
        sb_addn(&s, b, len);
        sb_add(&s, "\n");
        b += len + (e != NULL);
    }
    sb_add(&s, "    unset output\n}\n");
    char *out = xstrdup(sb_str(&s));
    sb_free(&s);
    return out;
}

static int write_file(const char *path, const char *text)
{
    FILE *fp = fopen(path, "w");
    if (!fp)
        return -1;
    int bad = fputs(text, fp) < 0;
    return fclose(fp) != 0 || bad ? -1 : 0;
}

/* Runs `gnuplot script` in dir; stderr goes to dir/gnuplot.log. */
static int run_gnuplot(const char *dir, const char *script, TlError *err)
{
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0) {
        tlerr_set(err, "cannot start gnuplot: %s", strerror(errno));
        return -1;
    }
    if (pid == 0) {
        if (chdir(dir) != 0)
            _exit(126);
        int devnull = open("/dev/null", O_RDWR);
        int log = open("gnuplot.log", O_WRONLY | O_CREAT | O_TRUNC, 0644);
        if (devnull >= 0) {
            dup2(devnull, STDIN_FILENO);
            dup2(devnull, STDOUT_FILENO);
        }
        if (log >= 0)
            dup2(log, STDERR_FILENO);
        execlp("gnuplot", "gnuplot", script, (char *)NULL);
        _exit(127);
    }
    atomic_child(pid); /* a signal that stops us stops gnuplot too */
    int status;
    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR) {
            atomic_child(0);
            tlerr_set(err, "waiting for gnuplot: %s", strerror(errno));
            return -1;
        }
    atomic_child(0);
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
        return 0;
    char *logp = util_path_join(dir, "gnuplot.log");
    char msg[600] = "";
    FILE *fp = fopen(logp, "r");
    if (fp) {
        size_t n = fread(msg, 1, sizeof msg - 1, fp);
        msg[n] = '\0';
        fclose(fp);
    }
    free(logp);
    for (char *q = msg; *q; q++)
        if (*q == '\n')
            *q = ' ';
    tlerr_set(err, "gnuplot failed on %s (exit %d): %s", script,
              WIFEXITED(status) ? WEXITSTATUS(status) : -1, msg);
    return -1;
}

/* Removes the temporary folder and what gnuplot left in it. */
static void remove_tmpdir(const char *tmp, const char *kind)
{
    const char *ext[] = {"csv", "gp", "png", "svg"};
    char name[256];
    for (size_t i = 0; i < sizeof ext / sizeof ext[0]; i++) {
        snprintf(name, sizeof name, "%s/%s.%s", tmp, kind, ext[i]);
        unlink(name);
    }
    snprintf(name, sizeof name, "%s/gnuplot.log", tmp);
    unlink(name);
    rmdir(tmp);
}

int plot_write(const char *dir, const Figure *f, int *drawn, TlError *err)
{
    *drawn = 0;
    if (util_mkdir_p(dir) != 0) {
        tlerr_set(err, "%s: cannot create directory: %s", dir, strerror(errno));
        return -1;
    }
    char *script = plot_script(f);
    char name[256];
    snprintf(name, sizeof name, "%s.csv", f->kind);
    char *csv_path = util_path_join(dir, name);
    snprintf(name, sizeof name, "%s.gp", f->kind);
    char *gp_path = util_path_join(dir, name);
    atomic_write_string(csv_path, sb_str(&f->csv));
    atomic_write_string(gp_path, script);
    int rc = 0;
    if (plot_have_gnuplot()) {
        char prefix[160];
        snprintf(prefix, sizeof prefix, ".%s.", f->kind);
        util_temp_template(name, sizeof name, prefix);
        char *tmp = util_path_join(dir, name);
        if (!mkdtemp(tmp)) {
            tlerr_set(err, "%s: cannot create a temporary folder: %s", dir, strerror(errno));
            rc = -1;
        } else {
            atomic_dir_register(tmp); /* removed on exit or a signal until done */
            char fn[600];
            snprintf(fn, sizeof fn, "%s/%s.csv", tmp, f->kind);
            int ok = write_file(fn, sb_str(&f->csv)) == 0;
            snprintf(fn, sizeof fn, "%s/%s.gp", tmp, f->kind);
            ok = ok && write_file(fn, script) == 0;
            snprintf(name, sizeof name, "%s.gp", f->kind);
            if (!ok) {
                tlerr_set(err, "%s: cannot write temporary files: %s", tmp, strerror(errno));
                rc = -1;
            } else if (run_gnuplot(tmp, name, err) != 0) {
                rc = -1;
            } else {
                const char *ext[2] = {"png", "svg"};
                for (int k = 0; k < 2 && rc == 0; k++) {
                    char from[600], to[600];
                    snprintf(from, sizeof from, "%s/%s.%s", tmp, f->kind, ext[k]);
                    snprintf(to, sizeof to, "%s/%s.%s", dir, f->kind, ext[k]);
                    struct stat st;
                    if (stat(from, &st) != 0 || st.st_size == 0) {
                        tlerr_set(err, "gnuplot wrote no %s.%s", f->kind, ext[k]);
                        rc = -1;
                    } else if (rename(from, to) != 0) {
                        tlerr_set(err, "%s: cannot write output: %s", to, strerror(errno));
                        rc = -1;
                    }
                }
                *drawn = rc == 0;
            }
            remove_tmpdir(tmp, f->kind);
            atomic_dir_done(tmp);
        }
        free(tmp);
    }
    free(script);
    free(csv_path);
    free(gp_path);
    return rc;
}
