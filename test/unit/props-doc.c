/* The PROPERTIES section of cgbind-image(5), rendered from the property
 * table: every class, grammar, default rule, write order and counterpart
 * comes from the struct prop_def entries, so the page cannot say something
 * the code does not do. */
#include <inttypes.h>
#include <stdio.h>

#include "props-doc.h"

/* scdoc markup: '*' starts bold, '\' escapes; '_' inside a word is literal */
static void esc(struct strbuf *out, const char *s)
{
        for (; *s; s++) {
                if (*s == '*' || *s == '\\')
                        strbuf_append(out, "\\", 1);
                strbuf_append(out, s, 1);
        }
}

/* A name in bold. A huge page pattern's '*' is every size
 * (*hugetlb.*_SIZE_*.max*); a trailing '*' is every file of that prefix. */
static void name(struct strbuf *out, const char *s)
{
        strbuf_puts(out, "*");
        for (; *s; s++) {
                if (*s == '*' && s[1] == '.')
                        strbuf_puts(out, "*_SIZE_*");
                else if (*s == '*' || *s == '\\')
                        strbuf_appendf(out, "\\%c", *s);
                else
                        strbuf_append(out, s, 1);
        }
        strbuf_puts(out, "*");
}

static void number(struct strbuf *out, int64_t v)
{
        strbuf_appendf(out, "%" PRId64, v);
}

static void range(struct strbuf *out, const struct prop_def *d)
{
        number(out, d->min);
        strbuf_puts(out, "..");
        number(out, d->max);
}

/* "a, b or c" from the space-separated words */
static void words(struct strbuf *out, const char *list)
{
        size_t n = 0, i = 0;
        for (const char *p = list; *p; p += strspn(p, " "), n++)
                p += strcspn(p, " ");
        for (const char *p = list; *p; i++) {
                size_t l = strcspn(p, " ");
                if (i > 0)
                        strbuf_puts(out, i + 1 == n ? " or " : ", ");
                strbuf_puts(out, "*");
                strbuf_append(out, p, l);
                strbuf_puts(out, "*");
                p += l;
                p += strspn(p, " ");
        }
}

static void grammar(struct strbuf *out, const struct prop_def *d)
{
        bool max = d->flags & PROP_ALLOW_MAX, neg1 = d->flags & PROP_ALLOW_NEG1;
        switch (d->grammar) {
        case GRAM_INT:
                strbuf_puts(out, max ? "*max* or an integer " : "An integer ");
                range(out, d);
                if (neg1)
                        strbuf_puts(out, ", or -1 for unlimited");
                break;
        case GRAM_BOOL:
                strbuf_puts(out, "0 or 1");
                break;
        case GRAM_CPULIST:
                strbuf_puts(out, "A list such as 0-3,5");
                break;
        case GRAM_CPU_MAX:
                strbuf_puts(out, "*max* or a time ");
                range(out, d);
                strbuf_puts(out, ", then optionally a period 1000..1000000");
                break;
        case GRAM_PERCENT:
                strbuf_puts(out, "*max* or a percentage 0.00..100.00");
                break;
        case GRAM_CONTROLLERS:
                strbuf_puts(out, "cgroup v2 controller names separated by spaces");
                break;
        case GRAM_THREADED:
                strbuf_puts(out, "Only *threaded*");
                break;
        case GRAM_WORD:
                strbuf_puts(out, "One of ");
                words(out, d->keys);
                break;
        case GRAM_DEV_VALUE:
                strbuf_puts(out, "Lines _MAJ:MIN N_, N ");
                range(out, d);
                break;
        case GRAM_IO_WEIGHT:
                strbuf_puts(out, "Lines _default N_ or _MAJ:MIN N_, N ");
                range(out, d);
                break;
        case GRAM_DEV_KEYS:
        case GRAM_NAME_KEYS:
                strbuf_puts(out, d->grammar == GRAM_DEV_KEYS ? "Lines _MAJ:MIN KEY=N ..._"
                                                             : "Lines _NAME KEY=N ..._");
                strbuf_puts(out, ", KEY ");
                words(out, d->keys);
                strbuf_puts(out, ", N *max* or ");
                range(out, d);
                break;
        case GRAM_NAME_VALUE:
                strbuf_puts(out, "Lines _NAME N_, N *max* or ");
                range(out, d);
                break;
        case GRAM_IFPRIOMAP:
                strbuf_puts(out, "Lines _IFNAME N_, N ");
                range(out, d);
                break;
        case GRAM_NONE:
        case GRAM_MAX:
        default:
                strbuf_puts(out, "?");
                break;
        }
        if (d->flags & PROP_MULTILINE)
                strbuf_puts(out, ", one write a line");
        strbuf_puts(out, ".");
}

static void dflt(struct strbuf *out, const struct prop_def *d)
{
        strbuf_puts(out, " New cgroup: ");
        switch (d->dflt_kind) {
        case DFLT_NONE:
                strbuf_puts(out, "no rule cgbind relies on, so it is always saved.");
                return;
        case DFLT_VALUE:
                if (d->grammar == GRAM_THREADED)
                        strbuf_puts(out, "*domain*; only *threaded* is saved.");
                else if (!d->dflt[0])
                        strbuf_puts(out, "empty.");
                else
                        strbuf_appendf(out, "*%s*.", d->dflt);
                return;
        case DFLT_UNLIMITED:
                strbuf_puts(out, "unlimited, printed as the page counter's maximum, which "
                                 "depends on the page and huge page size; any value from "
                                 "2^63 - 16 GiB up is unlimited and not saved.");
                return;
        case DFLT_PARENT:
                strbuf_puts(out, "a copy of the parent's value, so save compares with the "
                                 "parent's.");
                return;
        case DFLT_SYSCTL:
                strbuf_puts(out, "the value of ");
                esc(out, d->dflt);
                strbuf_puts(out, ".");
                return;
        case DFLT_LINES:
                strbuf_appendf(out, "every line at *%s*; such lines are not saved.", d->dflt);
                return;
        case DFLT_MAX:
        default:
                strbuf_puts(out, "?");
                return;
        }
}

static void order(struct strbuf *out, const struct prop_def *d)
{
        static const char *const text[ORDER_MAX] = {
                [ORDER_TYPE] = "first in its cgroup",
                [ORDER_CPUSET] = "right after mkdir, before tasks and children",
                [ORDER_EARLY] = "before the children exist and before the rest of its cgroup",
                [ORDER_MEMORY] = "so that memory.limit_in_bytes is never above "
                                 "memory.memsw.limit_in_bytes: the one lowered first, the one "
                                 "raised last",
                [ORDER_RT] = "parents first where the real-time bandwidth grows, children "
                             "first where it shrinks",
                [ORDER_SUBTREE] = "before the children's files",
                [ORDER_LAST] = "after the whole tree exists",
        };
        if (d->order < ORDER_MAX && text[d->order])
                strbuf_appendf(out, " Written %s.", text[d->order]);
}

static void term(struct strbuf *out, const struct prop_def *d)
{
        name(out, d->name);
        strbuf_puts(out, " (");
        if (d->controller)
                strbuf_puts(out, d->controller);
        else
                strbuf_puts(out, d->version == CG_V1 ? "every hierarchy" : "every cgroup");
        if (d->flags & PROP_ROOT_ONLY)
                strbuf_puts(out, ", root cgroup only");
        strbuf_puts(out, ")\n\t");
}

static void note(struct strbuf *out, const char *s)
{
        size_t n = strlen(s);
        /* a sentence: capital first, full stop last */
        char first = s[0] >= 'a' && s[0] <= 'z' ? (char)(s[0] - 'a' + 'A') : s[0];
        strbuf_append(out, &first, 1);
        esc(out, s + 1);
        if (n && s[n - 1] != '.')
                strbuf_puts(out, ".");
}

static void section(struct strbuf *out, enum cg_version v, enum prop_class c)
{
        static const char *const heading[PROP_CLASS_MAX] = {
                [PROP_CARRIED] = "carried",
                [PROP_NEVER] = "never written",
                [PROP_NOT_LIMIT] = "not a limit",
        };
        strbuf_appendf(out, "## cgroup v%d: %s\n\n", (int)v, heading[c]);
        for (size_t i = 0; i < prop_count(); i++) {
                const struct prop_def *d = prop_at(i);
                if (d->version != v || d->class != c)
                        continue;
                term(out, d);
                if (c == PROP_CARRIED) {
                        grammar(out, d);
                        dflt(out, d);
                        order(out, d);
                        strbuf_appendf(out, " cgroup v%d: ", v == CG_V1 ? 2 : 1);
                        if (d->counterpart) {
                                name(out, d->counterpart);
                                strbuf_puts(out, ". ");
                        } else {
                                strbuf_puts(out, "none. ");
                        }
                }
                note(out, d->note);
                strbuf_puts(out, "\n\n");
        }
}

void props_doc_scd(struct strbuf *out)
{
        strbuf_puts(out, PROPS_DOC_BEGIN "\n");
        strbuf_puts(out, "# PROPERTIES\n\n"
                         "Every writable interface file that a kernel may offer is in one of "
                         "three\nclasses. A *carried* file is saved and restored, each value "
                         "checked against\nits grammar before anything is written. A file that "
                         "is *never written*\nreaches past the container's sub-tree, belongs to "
                         "the runtime, or is an\naction; an image that names one is refused as a "
                         "whole. A file that is *not\na limit* keeps nothing when written (it "
                         "resets a statistic or registers a\ntrigger); cgbind never writes it "
                         "either. Read-only files are never\nwritten.\n\n"
                         "For each carried file: its grammar; what a new cgroup reads, which save "
                         "leaves\nout; when the kernel needs it written, if not in any order; "
                         "and the file of\nthe other cgroup version that a conversion turns it "
                         "into (see *CONVERSION*).\nA name with _SIZE_ stands for every huge "
                         "page size (*2MB*, *1GB*, ...).\n\n");
        for (int v = CG_V1; v <= CG_V2; v++)
                for (int c = 0; c < PROP_CLASS_MAX; c++)
                        section(out, (enum cg_version)v, (enum prop_class)c);
        strbuf_puts(out, PROPS_DOC_END "\n");
}
