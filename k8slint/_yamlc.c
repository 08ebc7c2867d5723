/*
 * k8slint._yamlc: an optional accelerator for k8slint's YAML parsing.
 *
 * compose(text, plain) turns a YAML stream into plain Python data and compact positions in one pass
 * over libyaml's events (the vendored libyaml of vendor/libyaml, the same parser the Python path runs
 * through ruamel.yaml). It returns a list with one tuple per document:
 *
 *     (data, root_line, root_column, positions, duplicates)
 *
 * positions: {id(container): (keys, pairs)} for every mapping (keys: a tuple of its keys in the order
 * of its dict) and sequence (keys: None); pairs: bytes holding an int32 (line, column) pair, 0-based,
 * per key or item, where the key (the last of duplicates) or the item starts.
 * duplicates: [(key, line, column, first_line, root)] for repeated keys, in the order the Python path
 * reports them (a mapping's own when it ends); root: the key belongs to the document's top mapping.
 *
 * With spans=True each tuple has a sixth item, the document's node tree for k8slint fix (None for an
 * empty document): every node a tuple (kind, start, end, style, value) with start and end the character
 * offsets of its text (anchor and tag included) as libyaml marks them:
 *
 *     ("s", start, end, style, text)     a scalar; style '' (plain), "'", '"', '|' or '>'; text as written
 *                                        once quotes and escapes are read, never resolved
 *     ("m", start, end, flow, [(key, value), ...])   a mapping (flow: True for {...}), repeated keys kept
 *     ("q", start, end, flow, [item, ...])           a sequence
 *
 * Plain scalars that may be null, booleans or numbers are resolved by `plain`, the Python resolver
 * (k8slint.parser._plain), so the YAML 1.1 reading Kubernetes uses is defined in one place; every
 * other plain scalar is a string, as are quoted and block scalars.
 *
 * Anything unusual raises Fallback, and the caller parses the text with the Python path, whose
 * results are the reference: a syntax error, an alias, an explicit tag on a scalar, a merge key, a
 * key that is not a scalar, nesting deeper than MAX_DEPTH, text that is not valid UTF-8.
 *
 * Safety: the parser reads untrusted text. There is no recursion (an explicit stack of at most
 * MAX_DEPTH frames, grown as documents nest), every allocation is checked, every reference is owned
 * by exactly one place (a frame, the document's result, a slot of the cache of short scalars, or a
 * local released before the next event), and every exit path goes through cleanup().
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <string.h>
#include "yaml.h"

#define MAX_DEPTH 1000

static PyObject *Fallback;  /* the exception that sends a text to the Python path */

/* The kinds and styles of spans mode's nodes: interned once, shared by every node. */
enum { KIND_SCALAR, KIND_MAPPING, KIND_SEQUENCE, STYLE_PLAIN, STYLE_SINGLE, STYLE_DOUBLE, STYLE_LITERAL, STYLE_FOLDED,
       NAMES };
static const char *const NAME_TEXTS[NAMES] = {"s", "m", "q", "", "'", "\"", "|", ">"};
static PyObject *names[NAMES];

typedef struct {
    PyObject *container;   /* dict or list: owned */
    int is_map;
    PyObject *key;         /* mapping: the key whose value is awaited (owned), or NULL */
    int key_line, key_col;
    int32_t *pairs;        /* (line, column) per key or item */
    Py_ssize_t npairs, cap;  /* in int32 units */
    PyObject *firsts;      /* mapping: key -> first line, once a key repeats (owned), or NULL */
    PyObject *index;       /* mapping: key -> its index in the dict's order, once a key repeats (owned), or NULL */
    PyObject *dups;        /* mapping: its duplicates, reported when it ends (owned), or NULL */
    int start_line, start_col;  /* where the container starts (its position as an item) */
    /* spans mode only */
    PyObject *nodes;       /* the children's nodes: (key, value) pairs or items (owned), or NULL */
    PyObject *key_node;    /* mapping: the node of the key whose value is awaited (owned), or NULL */
    Py_ssize_t start_index;
    int flow;
} Frame;

typedef struct {
    yaml_parser_t parser;
    int parser_ready;
    Frame *stack;          /* frames [0, depth) are open; room for `capacity` */
    int depth, capacity;
    PyObject *docs;        /* the result (owned) */
    PyObject *root;        /* the current document's root value (owned), or NULL */
    int root_line, root_col;
    PyObject *positions;   /* the current document's positions (owned), or NULL */
    PyObject *duplicates;  /* the current document's duplicates (owned), or NULL */
    PyObject *plain;       /* the resolver (borrowed) */
    int spans;             /* build the node tree too */
    PyObject *root_node;   /* spans mode: the current document's root node (owned), or NULL */
} State;

/* The longest scalar value shared through the interpreter's interned strings. */
#define MAX_SHARED 64

static int fallback(const char *why) {
    PyErr_SetString(Fallback, why);
    return -1;
}

/* A scalar's text as a str; bytes that are not UTF-8 (a double-quoted "\ud800") go to the Python path. */
static PyObject *decode(const char *text, size_t length) {
    PyObject *str = PyUnicode_DecodeUTF8(text, (Py_ssize_t)length, "strict");
    if (str == NULL && PyErr_ExceptionMatches(PyExc_UnicodeDecodeError)) {
        PyErr_Clear();
        fallback("a scalar that is not valid UTF-8");
    }
    return str;
}

static void clear_frame(Frame *f) {
    Py_CLEAR(f->container);
    Py_CLEAR(f->key);
    Py_CLEAR(f->firsts);
    Py_CLEAR(f->index);
    Py_CLEAR(f->dups);
    Py_CLEAR(f->nodes);
    Py_CLEAR(f->key_node);
    PyMem_Free(f->pairs);
    f->pairs = NULL;
    f->npairs = f->cap = 0;
}

static void cleanup(State *s) {
    if (s->stack) {
        for (int i = 0; i < s->depth; i++) clear_frame(&s->stack[i]);
        PyMem_Free(s->stack);
        s->stack = NULL;
    }
    s->depth = 0;
    Py_CLEAR(s->root);
    Py_CLEAR(s->positions);
    Py_CLEAR(s->duplicates);
    Py_CLEAR(s->root_node);
    if (s->parser_ready) {
        yaml_parser_delete(&s->parser);
        s->parser_ready = 0;
    }
}

static int push_pair(Frame *f, int line, int col) {
    if (f->npairs + 2 > f->cap) {
        Py_ssize_t cap = f->cap ? f->cap * 2 : 16;
        if (cap > PY_SSIZE_T_MAX / (Py_ssize_t)sizeof(int32_t)) {
            PyErr_NoMemory();
            return -1;
        }
        int32_t *grown = PyMem_Realloc(f->pairs, (size_t)cap * sizeof(int32_t));
        if (grown == NULL) {
            PyErr_NoMemory();
            return -1;
        }
        f->pairs = grown;
        f->cap = cap;
    }
    f->pairs[f->npairs++] = line;
    f->pairs[f->npairs++] = col;
    return 0;
}

/* The index of `key` in the dict's order (it is there), or -1 with an exception set. The first
 * repetition indexes the whole mapping once; later keys are added as they come (attach), so a mapping
 * whose every key repeats stays linear. */
static Py_ssize_t key_index(Frame *f, PyObject *key) {
    if (f->index == NULL) {
        f->index = PyDict_New();
        if (f->index == NULL) return -1;
        Py_ssize_t pos = 0, i = 0;
        PyObject *k, *v;
        while (PyDict_Next(f->container, &pos, &k, &v)) {
            PyObject *number = PyLong_FromSsize_t(i++);
            if (number == NULL) return -1;
            int failed = PyDict_SetItem(f->index, k, number);
            Py_DECREF(number);
            if (failed < 0) return -1;
        }
    }
    PyObject *found = PyDict_GetItemWithError(f->index, key);  /* borrowed */
    if (found == NULL) {
        if (!PyErr_Occurred())
            PyErr_SetString(PyExc_RuntimeError, "k8slint._yamlc: a repeated key is missing from its mapping");
        return -1;
    }
    return PyLong_AsSsize_t(found);
}

/* A duplicate key: the later key's position replaces the earlier one (locate finds the last, whose
 * value the dict keeps); the first occurrence's line is remembered for every later repetition. */
static int repeated_key(State *s, Frame *f, PyObject *key, int line, int col) {
    Py_ssize_t index = key_index(f, key);
    if (index < 0) return -1;
    if (f->firsts == NULL && (f->firsts = PyDict_New()) == NULL) return -1;
    if (f->dups == NULL && (f->dups = PyList_New(0)) == NULL) return -1;
    PyObject *first = PyDict_GetItemWithError(f->firsts, key);  /* borrowed */
    if (first == NULL) {
        if (PyErr_Occurred()) return -1;
        PyObject *line_of_first = PyLong_FromLong(f->pairs[2 * index]);
        if (line_of_first == NULL) return -1;
        int failed = PyDict_SetItem(f->firsts, key, line_of_first);
        Py_DECREF(line_of_first);
        if (failed < 0) return -1;
        first = PyDict_GetItemWithError(f->firsts, key);
        if (first == NULL) return -1;
    }
    PyObject *entry = Py_BuildValue("(OiiOO)", key, line, col, first, s->depth == 1 ? Py_True : Py_False);
    if (entry == NULL) return -1;
    int failed = PyList_Append(f->dups, entry);
    Py_DECREF(entry);
    if (failed < 0) return -1;
    f->pairs[2 * index] = line;
    f->pairs[2 * index + 1] = col;
    return 0;
}

/* Spans mode: a finished node (a new reference, always consumed) joins the container on top of the
 * stack (paired with its key's node in a mapping), or becomes the document's root node. */
static int attach_node(State *s, PyObject *node) {
    if (s->depth == 0) {
        Py_XSETREF(s->root_node, node);
        return 0;
    }
    Frame *top = &s->stack[s->depth - 1];
    PyObject *item = node;
    if (top->is_map) {
        if (top->key_node == NULL) {
            Py_DECREF(node);
            PyErr_SetString(PyExc_RuntimeError, "k8slint._yamlc: a value node without its key's");
            return -1;
        }
        item = PyTuple_Pack(2, top->key_node, node);
        Py_DECREF(node);
        Py_CLEAR(top->key_node);
        if (item == NULL) return -1;
    }
    int failed = PyList_Append(top->nodes, item);
    Py_DECREF(item);
    return failed;
}

/* Attach a finished value (a new reference, always consumed) to the container on top of the stack,
 * or make it the document's root; in spans mode its node (a new reference, always consumed) too. */
static int attach(State *s, PyObject *value, int line, int col, PyObject *node) {
    if (node != NULL && attach_node(s, node) < 0) {
        Py_DECREF(value);
        return -1;
    }
    if (s->depth == 0) {
        Py_XSETREF(s->root, value);
        s->root_line = line;
        s->root_col = col;
        return 0;
    }
    Frame *top = &s->stack[s->depth - 1];
    int failed;
    if (top->is_map) {
        PyObject *key = top->key;  /* owned by the frame until set */
        if (key == NULL) {
            Py_DECREF(value);
            PyErr_SetString(PyExc_RuntimeError, "k8slint._yamlc: a value without its key");
            return -1;
        }
        /* one lookup for a new key (the dict grows); a repeated key keeps its place in the dict's
           order, and the later value replaces the earlier (which may be the same object) */
        Py_ssize_t size = PyDict_GET_SIZE(top->container);
        PyObject *there = PyDict_SetDefault(top->container, key, value);  /* borrowed */
        int present = PyDict_GET_SIZE(top->container) == size;
        failed = there == NULL ? -1 : present ? PyDict_SetItem(top->container, key, value) : 0;
        Py_DECREF(value);
        if (failed < 0) return -1;
        if (present) {
            failed = repeated_key(s, top, key, top->key_line, top->key_col);
        } else if (top->index != NULL) {  /* an indexed mapping: the new key's index too */
            PyObject *number = PyLong_FromSsize_t(top->npairs / 2);
            failed = number == NULL ? -1 : PyDict_SetItem(top->index, key, number);
            Py_XDECREF(number);
            if (failed == 0) failed = push_pair(top, top->key_line, top->key_col);
        } else {
            failed = push_pair(top, top->key_line, top->key_col);
        }
        Py_CLEAR(top->key);
        return failed;
    }
    failed = PyList_Append(top->container, value);
    Py_DECREF(value);
    if (failed < 0) return -1;
    return push_pair(top, line, col);
}

static const char *const TRUES[] = {"y", "Y", "yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON", NULL};
static const char *const FALSES[] = {"n", "N", "no", "No", "NO", "false", "False", "FALSE", "off", "Off", "OFF",
                                     NULL};
static const char *const NULLS[] = {"null", "Null", "NULL", NULL};

static int one_of(const char *text, size_t length, const char *const *words) {
    for (int i = 0; words[i] != NULL; i++) {
        if (strlen(words[i]) == length && memcmp(words[i], text, length) == 0) return 1;
    }
    return 0;
}

/* A plain, untagged scalar as Kubernetes' YAML decoder reads it, from its text and that text as a str
 * (the YAML 1.1 booleans and nulls here; anything that may be a number goes to the Python resolver,
 * the reference). A new reference. */
static PyObject *plain_scalar(State *s, const char *text, size_t length, PyObject *str) {
    if (length == 0) Py_RETURN_NONE;
    char c = text[0];
    if (c == '~' || (c >= '0' && c <= '9') || c == '+' || c == '-' || c == '.') {
        if (length == 1 && c == '~') Py_RETURN_NONE;
        return PyObject_CallOneArg(s->plain, str);
    }
    if (length <= 5) {
        if (one_of(text, length, TRUES)) Py_RETURN_TRUE;
        if (one_of(text, length, FALSES)) Py_RETURN_FALSE;
        if (one_of(text, length, NULLS)) Py_RETURN_NONE;
    }
    return Py_NewRef(str);
}

/* A scalar's value: its text as a str (keys and quoted, block or tagged `!` scalars), or, `resolved`,
 * the plain scalar's reading of it. Strings of at most MAX_SHARED characters are interned: objects
 * repeat them (`TCP`, `Always`, label values), and a large run keeps their data until its end
 * (interned strings are freed like any other); keys are interned whatever their length. A new
 * reference, or NULL with an exception. */
static PyObject *scalar_value(State *s, const char *text, size_t length, int resolved, int key) {
    PyObject *str = decode(text, length);
    if (str == NULL) return NULL;
    PyObject *value = str;
    if (resolved) {
        value = plain_scalar(s, text, length, str);
        Py_DECREF(str);
        if (value == NULL) return NULL;
    }
    if (PyUnicode_CheckExact(value) && (key || PyUnicode_GET_LENGTH(value) <= MAX_SHARED))
        PyUnicode_InternInPlace(&value);
    return value;
}

/* Scalars of at most MAX_SHARED ASCII characters, remembered across calls: keys and short values repeat
 * from object to object (`name`, `image`, `TCP`, `100m`, `8080`), so each text is decoded, resolved and
 * interned once. A direct-mapped table: a text replaces the one in its slot. The values are immutable
 * (str, int, float, bool, None); a resolved one is used only by calls with the resolver that read it
 * (a call with another resolver empties the table, and the resolver it holds is never freed before). */
#define CACHE_SLOTS 4096
typedef struct {
    uint64_t hash;
    int resolved;
    PyObject *resolver;  /* the resolver that read a resolved value (compared, never dereferenced) */
    PyObject *text;      /* the scalar's text, an ASCII str (owned), or NULL: an empty slot */
    PyObject *value;     /* owned */
} Slot;
static Slot cache[CACHE_SLOTS];
static PyObject *cache_resolver;  /* owned */

static void forget_cache(void) {
    for (int i = 0; i < CACHE_SLOTS; i++) {
        Py_CLEAR(cache[i].text);
        Py_CLEAR(cache[i].value);
    }
}

/* scalar_value through the cache. */
static PyObject *cached_value(State *s, const char *text, size_t length, int resolved, int key) {
    if (length > MAX_SHARED) return scalar_value(s, text, length, resolved, key);
    uint64_t hash = 14695981039346656037ULL;  /* FNV-1a */
    unsigned char seen = 0;
    for (size_t i = 0; i < length; i++) {
        unsigned char c = (unsigned char)text[i];
        seen |= c;
        hash = (hash ^ c) * 1099511628211ULL;
    }
    if (seen & 0x80) return scalar_value(s, text, length, resolved, key);  /* not ASCII */
    hash ^= (uint64_t)resolved;
    Slot *slot = &cache[(hash ^ (hash >> 29)) & (CACHE_SLOTS - 1)];
    PyObject *resolver = resolved ? s->plain : NULL;
    if (slot->text != NULL && slot->hash == hash && slot->resolved == resolved && slot->resolver == resolver
            && (size_t)PyUnicode_GET_LENGTH(slot->text) == length
            && memcmp(PyUnicode_1BYTE_DATA(slot->text), text, length) == 0)
        return Py_NewRef(slot->value);
    PyObject *value = scalar_value(s, text, length, resolved, key);
    if (value == NULL) return NULL;
    PyObject *written = resolved ? PyUnicode_DecodeASCII(text, (Py_ssize_t)length, "strict") : Py_NewRef(value);
    if (written == NULL) {
        Py_DECREF(value);
        return NULL;
    }
    Py_XSETREF(slot->text, written);
    Py_XSETREF(slot->value, Py_NewRef(value));
    slot->hash = hash;
    slot->resolved = resolved;
    slot->resolver = resolver;  /* (another thread may have switched resolvers while `plain` ran) */
    return value;
}

static int is_nonspecific(const yaml_char_t *tag) {
    return tag == NULL || (tag[0] == '!' && tag[1] == '\0');
}

static int open_container(State *s, int is_map, yaml_event_t *event) {
    if (s->depth >= MAX_DEPTH) return fallback("nesting deeper than the limit");
    if (s->depth == s->capacity) {  /* grown before any pointer into the stack is taken */
        int capacity = s->capacity ? 2 * s->capacity : 16;
        if (capacity > MAX_DEPTH) capacity = MAX_DEPTH;
        Frame *grown = PyMem_Realloc(s->stack, (size_t)capacity * sizeof(Frame));
        if (grown == NULL) {
            PyErr_NoMemory();
            return -1;
        }
        s->stack = grown;
        s->capacity = capacity;
    }
    Frame *top = s->depth ? &s->stack[s->depth - 1] : NULL;
    if (top && top->is_map && top->key == NULL) return fallback("a key that is not a scalar");
    Frame *f = &s->stack[s->depth];
    memset(f, 0, sizeof(Frame));
    s->depth++;  /* the frame is the stack's from here: cleanup() frees what it holds */
    f->container = is_map ? PyDict_New() : PyList_New(0);
    if (f->container == NULL) return -1;
    f->is_map = is_map;
    f->start_line = (int)event->start_mark.line;
    f->start_col = (int)event->start_mark.column;
    if (s->spans) {
        f->nodes = PyList_New(0);
        if (f->nodes == NULL) return -1;
        f->start_index = (Py_ssize_t)event->start_mark.index;
        f->flow = is_map ? event->data.mapping_start.style == YAML_FLOW_MAPPING_STYLE
                         : event->data.sequence_start.style == YAML_FLOW_SEQUENCE_STYLE;
    }
    return 0;
}

/* Spans mode: a node (kind, start, end, style, value); new references to the five. */
static PyObject *new_node(PyObject *kind, Py_ssize_t start, Py_ssize_t end, PyObject *style, PyObject *value) {
    PyObject *node = PyTuple_New(5);
    if (node == NULL) return NULL;
    PyObject *first = PyLong_FromSsize_t(start);
    PyObject *last = first == NULL ? NULL : PyLong_FromSsize_t(end);
    if (last == NULL) {
        Py_XDECREF(first);
        Py_DECREF(node);
        return NULL;
    }
    PyTuple_SET_ITEM(node, 0, Py_NewRef(kind));
    PyTuple_SET_ITEM(node, 1, first);
    PyTuple_SET_ITEM(node, 2, last);
    PyTuple_SET_ITEM(node, 3, Py_NewRef(style));
    PyTuple_SET_ITEM(node, 4, Py_NewRef(value));
    return node;
}

/* The container on top ends (at `end`, the offset after its end event): record its positions and
 * duplicates, then attach it. */
static int close_container(State *s, Py_ssize_t end) {
    Frame *f = &s->stack[s->depth - 1];
    PyObject *keys = NULL;
    if (f->is_map) {
        if (f->key != NULL) return fallback("a key without a value");
        PyObject *list = PyDict_Keys(f->container);
        if (list == NULL) return -1;
        keys = PyList_AsTuple(list);
        Py_DECREF(list);
        if (keys == NULL) return -1;
    } else {
        keys = Py_NewRef(Py_None);
    }
    PyObject *pairs = PyBytes_FromStringAndSize((const char *)f->pairs, f->npairs * (Py_ssize_t)sizeof(int32_t));
    if (pairs == NULL) {
        Py_DECREF(keys);
        return -1;
    }
    PyObject *entry = PyTuple_Pack(2, keys, pairs);
    Py_DECREF(keys);
    Py_DECREF(pairs);
    if (entry == NULL) return -1;
    PyObject *id = PyLong_FromVoidPtr(f->container);
    if (id == NULL) {
        Py_DECREF(entry);
        return -1;
    }
    int failed = PyDict_SetItem(s->positions, id, entry);
    Py_DECREF(id);
    Py_DECREF(entry);
    if (failed < 0) return -1;
    if (f->dups != NULL) {
        Py_ssize_t n = PyList_GET_SIZE(f->dups);
        for (Py_ssize_t i = 0; i < n; i++) {
            if (PyList_Append(s->duplicates, PyList_GET_ITEM(f->dups, i)) < 0) return -1;
        }
    }
    PyObject *node = NULL;
    if (s->spans) {
        node = new_node(names[f->is_map ? KIND_MAPPING : KIND_SEQUENCE], f->start_index, end,
                        f->flow ? Py_True : Py_False, f->nodes);
        if (node == NULL) return -1;
    }
    PyObject *container = f->container;  /* the frame's reference moves to attach() */
    f->container = NULL;
    int line = f->start_line, col = f->start_col;
    clear_frame(f);
    s->depth--;
    return attach(s, container, line, col, node);
}

/* Spans mode: a scalar's node, its text as written (quotes and escapes read). */
static PyObject *scalar_node(yaml_event_t *event, PyObject *text) {
    int style;
    switch (event->data.scalar.style) {
    case YAML_SINGLE_QUOTED_SCALAR_STYLE: style = STYLE_SINGLE; break;
    case YAML_DOUBLE_QUOTED_SCALAR_STYLE: style = STYLE_DOUBLE; break;
    case YAML_LITERAL_SCALAR_STYLE: style = STYLE_LITERAL; break;
    case YAML_FOLDED_SCALAR_STYLE: style = STYLE_FOLDED; break;
    default: style = STYLE_PLAIN; break;
    }
    return new_node(names[KIND_SCALAR], (Py_ssize_t)event->start_mark.index, (Py_ssize_t)event->end_mark.index,
                    names[style], text);
}

static int scalar(State *s, yaml_event_t *event, int line, int col) {
    const char *text = (const char *)event->data.scalar.value;
    size_t length = event->data.scalar.length;
    if (!is_nonspecific(event->data.scalar.tag)) return fallback("an explicit tag");
    Frame *top = s->depth ? &s->stack[s->depth - 1] : NULL;
    if (top && top->is_map && top->key == NULL) {  /* a key: its text, as the Python path reads keys */
        if (event->data.scalar.plain_implicit && length == 2 && text[0] == '<' && text[1] == '<')
            return fallback("a merge key");
        PyObject *key = cached_value(s, text, length, 0, 1);
        if (key == NULL) return -1;
        top->key = key;
        top->key_line = line;
        top->key_col = col;
        if (s->spans && (top->key_node = scalar_node(event, key)) == NULL) return -1;
        return 0;
    }
    int resolved = event->data.scalar.plain_implicit && event->data.scalar.tag == NULL;
    PyObject *value = cached_value(s, text, length, resolved, 0);
    if (value == NULL) return -1;
    PyObject *node = NULL;
    if (s->spans) {
        PyObject *written = resolved ? decode(text, length) : Py_NewRef(value);
        if (written != NULL) {
            node = scalar_node(event, written);
            Py_DECREF(written);
        }
        if (node == NULL) {
            Py_DECREF(value);
            return -1;
        }
    }
    return attach(s, value, line, col, node);
}

static int end_document(State *s) {
    if (s->depth != 0) return fallback("an unfinished document");
    PyObject *root = s->root ? s->root : Py_None;
    PyObject *doc;
    if (s->spans)
        doc = Py_BuildValue("(OiiOOO)", root, s->root_line, s->root_col, s->positions, s->duplicates,
                            s->root_node ? s->root_node : Py_None);
    else
        doc = Py_BuildValue("(OiiOO)", root, s->root_line, s->root_col, s->positions, s->duplicates);
    if (doc == NULL) return -1;
    int failed = PyList_Append(s->docs, doc);
    Py_DECREF(doc);
    Py_CLEAR(s->root);
    Py_CLEAR(s->positions);
    Py_CLEAR(s->duplicates);
    Py_CLEAR(s->root_node);
    return failed;
}

static int handle(State *s, yaml_event_t *event) {
    int line = (int)event->start_mark.line, col = (int)event->start_mark.column;
    switch (event->type) {
    case YAML_STREAM_START_EVENT:
    case YAML_STREAM_END_EVENT:
    case YAML_NO_EVENT:
        return 0;
    case YAML_DOCUMENT_START_EVENT:
        Py_CLEAR(s->root);
        Py_CLEAR(s->root_node);
        Py_XSETREF(s->positions, PyDict_New());
        Py_XSETREF(s->duplicates, PyList_New(0));
        if (s->positions == NULL || s->duplicates == NULL) return -1;
        return 0;
    case YAML_DOCUMENT_END_EVENT:
        return end_document(s);
    case YAML_ALIAS_EVENT:
        return fallback("an alias");
    case YAML_SCALAR_EVENT:
        return scalar(s, event, line, col);
    case YAML_SEQUENCE_START_EVENT:
        return open_container(s, 0, event);
    case YAML_MAPPING_START_EVENT:
        return open_container(s, 1, event);
    case YAML_SEQUENCE_END_EVENT:
    case YAML_MAPPING_END_EVENT:
        if (s->depth == 0) return fallback("an end without a start");
        return close_container(s, (Py_ssize_t)event->end_mark.index);
    }
    return fallback("an unknown event");
}

static PyObject *compose(PyObject *module, PyObject *args) {
    PyObject *text, *plain;
    int spans = 0;
    if (!PyArg_ParseTuple(args, "UO|p:compose", &text, &plain, &spans)) return NULL;
    Py_ssize_t size;
    const char *buffer = PyUnicode_AsUTF8AndSize(text, &size);
    if (buffer == NULL) {  /* lone surrogates (undecodable bytes of the file): the Python path decides */
        PyErr_Clear();
        PyErr_SetString(Fallback, "text that is not valid UTF-8");
        return NULL;
    }
    if (plain != cache_resolver) {  /* the cached readings are another resolver's */
        forget_cache();
        Py_XSETREF(cache_resolver, Py_NewRef(plain));
    }
    State s;
    memset(&s, 0, sizeof(State));
    s.plain = plain;
    s.spans = spans;
    s.docs = PyList_New(0);
    if (s.docs == NULL) {
        PyErr_NoMemory();
        goto fail;
    }
    if (!yaml_parser_initialize(&s.parser)) {
        PyErr_NoMemory();
        goto fail;
    }
    s.parser_ready = 1;
    yaml_parser_set_input_string(&s.parser, (const unsigned char *)buffer, (size_t)size);
    yaml_parser_set_encoding(&s.parser, YAML_UTF8_ENCODING);
    for (;;) {
        yaml_event_t event;
        if (!yaml_parser_parse(&s.parser, &event)) {
            if (s.parser.error == YAML_MEMORY_ERROR) PyErr_NoMemory();
            else PyErr_SetString(Fallback, "a syntax error");
            goto fail;
        }
        int done = event.type == YAML_STREAM_END_EVENT;
        int failed = handle(&s, &event);
        yaml_event_delete(&event);
        if (failed < 0) goto fail;
        if (done) break;
    }
    cleanup(&s);
    return s.docs;
fail:
    cleanup(&s);
    Py_XDECREF(s.docs);
    return NULL;
}

static PyMethodDef methods[] = {
    {"compose", compose, METH_VARARGS,
     "compose(text, plain, spans=False) -> [(data, root_line, root_column, positions, duplicates[, root node])]; "
     "raises Fallback."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module_def = {
    PyModuleDef_HEAD_INIT, "_yamlc", "k8slint's optional YAML accelerator over libyaml.", -1, methods,
};

PyMODINIT_FUNC PyInit__yamlc(void) {
    PyObject *module = PyModule_Create(&module_def);
    if (module == NULL) return NULL;
    for (int i = 0; i < NAMES; i++) {
        if (names[i] == NULL && (names[i] = PyUnicode_InternFromString(NAME_TEXTS[i])) == NULL) {
            Py_DECREF(module);
            return NULL;
        }
    }
    Fallback = PyErr_NewException("k8slint._yamlc.Fallback", NULL, NULL);
    if (Fallback == NULL || PyModule_AddObjectRef(module, "Fallback", Fallback) < 0) {
        Py_XDECREF(Fallback);
        Py_DECREF(module);
        return NULL;
    }
    return module;
}
