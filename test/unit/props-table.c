/* The property table from the outside, for the coverage suite and the man
 * page (test/bats/coverage.bats, doc/cgbind-image.5.scd):
 *
 *   props-table --classify v1|v2 [NAME...]   each name (or each line of stdin):
 *                                            "NAME<TAB>CLASS", CLASS "missing" when
 *                                            the table does not know it; exit 1 then
 *   props-table --carried v1|v2              the carried files: "NAME CONTROLLER" lines
 *                                            ("-" for a core file)
 *   props-table --scd                        cgbind-image(5)'s PROPERTIES section
 *
 * A test program built from the library: cgbind itself has no such command. */
#include <stdio.h>
#include <stdlib.h>

#include "props-doc.h"

static int cmp_name(const void *a, const void *b)
{
        return strcmp(*(char *const *)a, *(char *const *)b);
}

static int classify(enum cg_version v, const char *name, unsigned *counts)
{
        const struct prop_def *d = prop_classify(v, name);
        printf("%s\t%s\n", name, d ? prop_class_name(d->class) : "missing");
        counts[d ? d->class : PROP_CLASS_MAX]++;
        return d ? 0 : 1;
}

int main(int argc, char **argv)
{
        if (argc >= 2 && streq(argv[1], "--scd")) {
                struct strbuf out = { 0 };
                props_doc_scd(&out);
                fputs(out.buf, stdout);
                strbuf_free(&out);
                return ferror(stdout) ? 1 : 0;
        }
        if (argc < 3 || (!streq(argv[1], "--classify") && !streq(argv[1], "--carried")) ||
            (!streq(argv[2], "v1") && !streq(argv[2], "v2"))) {
                fprintf(stderr, "usage: props-table --classify v1|v2 [NAME...] | --carried v1|v2 | "
                                "--scd\n");
                return 2;
        }
        enum cg_version v = streq(argv[2], "v1") ? CG_V1 : CG_V2;
        if (streq(argv[1], "--carried")) {
                for (size_t i = 0; i < prop_count(); i++) {
                        const struct prop_def *d = prop_at(i);
                        if (d->version == v && d->class == PROP_CARRIED)
                                printf("%s %s\n", d->name, d->controller ? d->controller : "-");
                }
                return ferror(stdout) ? 1 : 0;
        }
        unsigned counts[PROP_CLASS_MAX + 1] = { 0 };
        int missing = 0;
        if (argc > 3) {
                /* in name order, whatever order the caller found them in */
                qsort(argv + 3, (size_t)(argc - 3), sizeof(char *), cmp_name);
                for (int i = 3; i < argc; i++)
                        missing |= classify(v, argv[i], counts);
        } else {
                char line[4096];
                while (fgets(line, sizeof(line), stdin)) {
                        line[strcspn(line, "\n")] = '\0';
                        if (line[0])
                                missing |= classify(v, line, counts);
                }
        }
        printf("# v%d: %u carried, %u never, %u not-a-limit, %u missing\n", (int)v,
               counts[PROP_CARRIED], counts[PROP_NEVER], counts[PROP_NOT_LIMIT],
               counts[PROP_CLASS_MAX]);
        return missing;
}
