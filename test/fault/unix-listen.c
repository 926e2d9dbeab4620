/* unix-listen PATH LOG: listens on the unix stream socket PATH and appends
 * "accepted" to LOG for each connection, until it is killed. For
 * test/bats/sandbox.bats: the connection the probe tries from inside the
 * sandboxed hook must never arrive. No part of cgbind. */
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

int main(int argc, char **argv)
{
        if (argc != 3) {
                fputs("usage: unix-listen PATH LOG\n", stderr);
                return 2;
        }
        struct sockaddr_un a = { .sun_family = AF_UNIX };
        if (strlen(argv[1]) >= sizeof(a.sun_path)) {
                fputs("unix-listen: path too long\n", stderr);
                return 2;
        }
        strcpy(a.sun_path, argv[1]);
        int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (s < 0 || bind(s, (struct sockaddr *)&a, sizeof(a)) < 0 || listen(s, 16) < 0) {
                perror("unix-listen");
                return 1;
        }
        for (;;) {
                int c = accept(s, NULL, NULL);
                if (c < 0)
                        continue;
                FILE *f = fopen(argv[2], "a");
                if (f) {
                        fputs("accepted\n", f);
                        fclose(f);
                }
                close(c);
        }
}
