/* Oracle for impl/bus tests: serves the demo object tree (see demo_test.go)
 * with libsystemd's sd-bus on a peer-to-peer unix socket, the way PID 1
 * serves /run/systemd/private. Usage: sdbus-demo SOCKET-PATH.
 * Written for this project; build: gcc sdbus-demo.c $(pkg-config --cflags --libs libsystemd). */
#define _GNU_SOURCE
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
#include <systemd/sd-bus.h>
#include <systemd/sd-event.h>
#include <systemd/sd-id128.h>

static sd_event *event;
static uint32_t counter = 7;

struct demo {
        char *name;
        int quiet;
        char *hidden;
        char *label;
        char *secret;
        char *old;
};
static struct demo demo;

static int method_echo(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        const char *s;
        int r = sd_bus_message_read(m, "s", &s);
        if (r < 0)
                return r;
        return sd_bus_reply_method_return(m, "s", s);
}

static int method_add(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        int32_t a, b;
        int r = sd_bus_message_read(m, "ii", &a, &b);
        if (r < 0)
                return r;
        return sd_bus_reply_method_return(m, "i", a + b);
}

static int method_fail(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        return sd_bus_error_set(error, "org.example.Error.Failed", "It failed as asked.");
}

static int method_bump(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        int r;
        counter++;
        r = sd_bus_emit_properties_changed(sd_bus_message_get_bus(m), "/org/example/demo", "org.example.Demo", "Counter", "Volatile", NULL);
        if (r < 0)
                return r;
        r = sd_bus_emit_signal(sd_bus_message_get_bus(m), "/org/example/demo", "org.example.Demo", "Bumped", "su", "Counter", counter);
        if (r < 0)
                return r;
        return sd_bus_reply_method_return(m, "u", counter);
}

static int method_list(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        sd_bus_message *reply = NULL;
        int r = sd_bus_message_new_method_return(m, &reply);
        if (r >= 0)
                r = sd_bus_message_append(reply, "a(so)", 2, "a", "/org/example/demo/item/a", "b", "/org/example/demo/item/b");
        if (r >= 0)
                r = sd_bus_send(NULL, reply, NULL);
        sd_bus_message_unref(reply);
        return r;
}

static int method_forget(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        return sd_bus_reply_method_return(m, NULL);
}

static int method_quit(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        sd_event_exit(event, 0);
        return sd_bus_reply_method_return(m, NULL);
}

static int get_counter(sd_bus *bus, const char *path, const char *interface, const char *property,
                       sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        return sd_bus_message_append(reply, "u", counter);
}

static int get_volatile(sd_bus *bus, const char *path, const char *interface, const char *property,
                        sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        return sd_bus_message_append(reply, "t", (uint64_t) counter * 1000);
}

static int get_big(sd_bus *bus, const char *path, const char *interface, const char *property,
                   sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        return sd_bus_message_append(reply, "t", (uint64_t) counter);
}

static int get_constant_map(sd_bus *bus, const char *path, const char *interface, const char *property,
                            sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        return sd_bus_message_append(reply, "a{sv}", 2, "one", "u", 1, "two", "s", "zwei");
}

static int get_broken(sd_bus *bus, const char *path, const char *interface, const char *property,
                      sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        return sd_bus_error_set(error, "org.example.Error.Broken", "This property is broken.");
}

static int set_string(sd_bus *bus, const char *path, const char *interface, const char *property,
                      sd_bus_message *value, void *userdata, sd_bus_error *error) {
        char **p = userdata;
        const char *s;
        int r = sd_bus_message_read(value, "s", &s);
        if (r < 0)
                return r;
        if (strcmp(s, "forbidden") == 0)
                return sd_bus_error_set(error, SD_BUS_ERROR_INVALID_ARGS, "That value is not allowed.");
        free(*p);
        *p = strdup(s);
        return 1;
}

static const sd_bus_vtable demo_vtable[] = {
        SD_BUS_VTABLE_START(0),
        SD_BUS_PROPERTY("Name", "s", NULL, offsetof(struct demo, name), SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("Counter", "u", get_counter, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("Volatile", "t", get_volatile, 0, SD_BUS_VTABLE_PROPERTY_EMITS_INVALIDATION),
        SD_BUS_PROPERTY("Quiet", "b", NULL, offsetof(struct demo, quiet), 0),
        SD_BUS_PROPERTY("Map", "a{sv}", get_constant_map, 0, SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("Big", "t", get_big, 0, SD_BUS_VTABLE_PROPERTY_EXPLICIT),
        SD_BUS_PROPERTY("Broken", "s", get_broken, 0, SD_BUS_VTABLE_PROPERTY_EXPLICIT),
        SD_BUS_PROPERTY("Hidden", "s", NULL, offsetof(struct demo, hidden), SD_BUS_VTABLE_HIDDEN),
        SD_BUS_WRITABLE_PROPERTY("Label", "s", NULL, set_string, offsetof(struct demo, label), SD_BUS_VTABLE_UNPRIVILEGED|SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_WRITABLE_PROPERTY("Secret", "s", NULL, set_string, offsetof(struct demo, secret), 0),
        SD_BUS_WRITABLE_PROPERTY("Old", "s", NULL, set_string, offsetof(struct demo, old), SD_BUS_VTABLE_DEPRECATED|SD_BUS_VTABLE_PROPERTY_EMITS_INVALIDATION),
        SD_BUS_METHOD_WITH_ARGS("Echo", SD_BUS_ARGS("s", text), SD_BUS_RESULT("s", echoed), method_echo, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD("Add", "ii", "i", method_add, 0),
        SD_BUS_METHOD("Fail", NULL, NULL, method_fail, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD("Bump", NULL, "u", method_bump, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("List", SD_BUS_NO_ARGS, SD_BUS_RESULT("a(so)", items), method_list, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD("Forget", "s", NULL, method_forget, SD_BUS_VTABLE_UNPRIVILEGED|SD_BUS_VTABLE_METHOD_NO_REPLY),
        SD_BUS_METHOD("Ancient", NULL, NULL, NULL, SD_BUS_VTABLE_DEPRECATED),
        SD_BUS_METHOD("Secretly", NULL, NULL, NULL, SD_BUS_VTABLE_HIDDEN),
        SD_BUS_METHOD("Quit", NULL, NULL, method_quit, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_SIGNAL_WITH_ARGS("Bumped", SD_BUS_ARGS("s", what, "u", value), 0),
        SD_BUS_SIGNAL("Gone", NULL, SD_BUS_VTABLE_DEPRECATED),
        SD_BUS_VTABLE_END
};

static const sd_bus_vtable item_vtable[] = {
        SD_BUS_VTABLE_START(SD_BUS_VTABLE_DEPRECATED),
        SD_BUS_PROPERTY("Id", "s", NULL, 0, SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_METHOD("Poke", NULL, NULL, NULL, 0),
        SD_BUS_VTABLE_END
};

static int get_version(sd_bus *bus, const char *path, const char *interface, const char *property,
                       sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        return sd_bus_message_append(reply, "s", "252-demo");
}

static const sd_bus_vtable manager_vtable[] = {
        SD_BUS_VTABLE_START(0),
        SD_BUS_PROPERTY("Version", "s", get_version, 0, SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_VTABLE_END
};

static char *items[] = { "a", "b", "c" };

static int item_find(sd_bus *bus, const char *path, const char *interface, void *userdata, void **found, sd_bus_error *error) {
        const char *e = strrchr(path, '/');
        if (!e || strncmp(path, "/org/example/demo/item/", 23) != 0 || strchr(path + 23, '/'))
                return 0;
        if (strcmp(e + 1, "bad") == 0)
                return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS, "Item %s is not valid.", e + 1);
        for (size_t i = 0; i < 3; i++)
                if (strcmp(e + 1, items[i]) == 0) {
                        *found = &items[i];
                        return 1;
                }
        return 0;
}

static int item_enumerate(sd_bus *bus, const char *path, void *userdata, char ***nodes, sd_bus_error *error) {
        char **l = calloc(4, sizeof(char*));
        for (size_t i = 0; i < 3; i++)
                asprintf(&l[i], "/org/example/demo/item/%s", items[i]);
        *nodes = l;
        return 0;
}


static int add_objects(sd_bus *bus) {
        int r = sd_bus_add_object_vtable(bus, NULL, "/org/example/demo", "org.example.Demo", demo_vtable, &demo);
        if (r >= 0)
                r = sd_bus_add_fallback_vtable(bus, NULL, "/org/example/demo/item", "org.example.Item", item_vtable, item_find, NULL);
        if (r >= 0)
                r = sd_bus_add_node_enumerator(bus, NULL, "/org/example/demo/item", item_enumerate, NULL);
        if (r >= 0)
                r = sd_bus_add_object_vtable(bus, NULL, "/org/freedesktop/systemd1", "org.freedesktop.systemd1.Manager", manager_vtable, NULL);
        return r;
}

static int on_connection(sd_event_source *s, int fd, uint32_t revents, void *userdata) {
        sd_bus *bus = NULL;
        sd_id128_t id;
        int step = 0, r, nfd = accept4(fd, NULL, NULL, SOCK_NONBLOCK|SOCK_CLOEXEC);
        if (nfd < 0)
                return 0;
        sd_id128_randomize(&id);
        r = sd_bus_new(&bus);
        if (r >= 0 && ++step)
                r = sd_bus_set_fd(bus, nfd, nfd);
        if (r >= 0 && ++step)
                r = sd_bus_set_server(bus, 1, id);
        if (r >= 0 && ++step)
                r = sd_bus_negotiate_fds(bus, 1);
        if (r >= 0 && ++step)
                r = sd_bus_set_sender(bus, "org.example.Demo");
        if (r >= 0 && ++step)
                r = sd_bus_start(bus);
        if (r >= 0 && ++step)
                r = add_objects(bus);
        if (r >= 0 && ++step)
                r = sd_bus_attach_event(bus, event, 0);
        if (r < 0)
                fprintf(stderr, "connection setup failed: %s (step %d)\n", strerror(-r), step);
        return 0;
}

/* Usage: sdbus-demo --listen SOCKET-PATH | --bus ADDRESS NAME */
int main(int argc, char **argv) {
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        int fd;
        if (argc < 3)
                return 2;
        demo = (struct demo) {
                .name = strdup("demo"),
                .quiet = 1,
                .hidden = strdup("unseen"),
                .label = strdup("initial"),
                .secret = strdup("hush"),
                .old = strdup("past"),
        };
        sd_event_default(&event);
        if (strcmp(argv[1], "--bus") == 0 && argc == 4) {
                sd_bus *bus = NULL;
                if (sd_bus_new(&bus) < 0 ||
                    sd_bus_set_address(bus, argv[2]) < 0 ||
                    sd_bus_set_bus_client(bus, 1) < 0 ||
                    sd_bus_start(bus) < 0 ||
                    add_objects(bus) < 0 ||
                    sd_bus_request_name(bus, argv[3], 0) < 0 ||
                    sd_bus_attach_event(bus, event, 0) < 0) {
                        fprintf(stderr, "bus setup failed\n");
                        return 1;
                }
        } else {
                strncpy(sa.sun_path, argv[2], sizeof(sa.sun_path) - 1);
                fd = socket(AF_UNIX, SOCK_STREAM|SOCK_CLOEXEC|SOCK_NONBLOCK, 0);
                unlink(argv[2]);
                if (bind(fd, (struct sockaddr*) &sa, sizeof(sa)) < 0 || listen(fd, 64) < 0) {
                        perror("bind");
                        return 1;
                }
                sd_event_add_io(event, NULL, fd, EPOLLIN, on_connection, NULL);
        }
        printf("ready\n");
        fflush(stdout);
        return sd_event_loop(event) < 0;
}
