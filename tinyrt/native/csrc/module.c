/* The host's Python binding of the core: the executor's entry point and the tables Python
 * reads (kernel names, op data layouts, this build's SIMD level and int32 vector lanes). The module is built once per
 * SIMD level under the name TINYRT_MODULE (tinyrt/native/build.py); tinyrt/native/core.py
 * picks one. Op data is filled from Python through ctypes mirrors of the layouts. */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include "executor.h"

#define TINYRT_STR2(x) #x
#define TINYRT_STR(x) TINYRT_STR2(x)
#define TINYRT_CAT2(a, b) a##b
#define TINYRT_CAT(a, b) TINYRT_CAT2(a, b)

/* run(nodes_address, count[, seconds_address]) -> 0, or 1 + the position of a failed node */
static PyObject *py_run(PyObject *self, PyObject *const *args, Py_ssize_t nargs)
{
    (void)self;
    if (nargs != 2 && nargs != 3) {
        PyErr_SetString(PyExc_TypeError, "run(nodes_address, count[, seconds_address])");
        return NULL;
    }
    tinyrt_node *nodes = (tinyrt_node *)PyLong_AsVoidPtr(args[0]);
    long count = PyLong_AsLong(args[1]);
    double *seconds = nargs == 3 ? (double *)PyLong_AsVoidPtr(args[2]) : NULL;
    if (PyErr_Occurred())
        return NULL;
    int32_t failed;
    Py_BEGIN_ALLOW_THREADS
    failed = tinyrt_run(nodes, (int32_t)count, seconds);
    Py_END_ALLOW_THREADS
    return PyLong_FromLong(failed);
}

struct field_info { const char *name; int kind; size_t offset, size; };

#define TINYRT_FIELD_INFO(kind, ctype, name) \
    {#name, TINYRT_KIND_##kind, offsetof(TINYRT_CURRENT, name), sizeof(ctype)},

static PyObject *layout_of(const struct field_info *f, size_t n, size_t size)
{
    PyObject *fields = PyTuple_New((Py_ssize_t)n);
    if (!fields)
        return NULL;
    for (size_t i = 0; i < n; i++)
        PyTuple_SET_ITEM(fields, i, Py_BuildValue("(sinn)", f[i].name, f[i].kind,
                                                  (Py_ssize_t)f[i].offset,
                                                  (Py_ssize_t)f[i].size));
    return Py_BuildValue("(nN)", (Py_ssize_t)size, fields);
}

/* layouts() -> {struct name: (sizeof, ((field, kind, offset, size), ...))} */
static PyObject *py_layouts(PyObject *self, PyObject *unused)
{
    (void)self; (void)unused;
    PyObject *d = PyDict_New();
    if (!d)
        return NULL;
#define TINYRT_CURRENT tinyrt_node
    {
        static const struct field_info f[] = { TINYRT_FIELDS_node(TINYRT_FIELD_INFO) };
        PyObject *v = layout_of(f, sizeof f / sizeof f[0], sizeof(tinyrt_node));
        if (!v || PyDict_SetItemString(d, "node", v) < 0)
            return NULL;
        Py_DECREF(v);
    }
#undef TINYRT_CURRENT
#define TINYRT_LAYOUT(kname) { \
        typedef tinyrt_##kname##_opdata TINYRT_CURRENT; \
        static const struct field_info f[] = { TINYRT_FIELDS_##kname(TINYRT_FIELD_INFO) }; \
        PyObject *v = layout_of(f, sizeof f / sizeof f[0], sizeof(TINYRT_CURRENT)); \
        if (!v || PyDict_SetItemString(d, #kname, v) < 0) \
            return NULL; \
        Py_DECREF(v); \
    }
    TINYRT_KERNELS(TINYRT_LAYOUT)
    return d;
}

/* kernels() -> the kernel names, in id order */
static PyObject *py_kernels(PyObject *self, PyObject *unused)
{
    (void)self; (void)unused;
#define TINYRT_KERNEL_NAME(name) #name,
    static const char *names[] = { TINYRT_KERNELS(TINYRT_KERNEL_NAME) };
    PyObject *t = PyTuple_New(TINYRT_KERNEL_COUNT);
    for (int i = 0; t && i < TINYRT_KERNEL_COUNT; i++)
        PyTuple_SET_ITEM(t, i, PyUnicode_FromString(names[i]));
    return t;
}

/* cpu_supports(level) -> whether this CPU (and OS) runs that SIMD level's build */
static PyObject *py_cpu_supports(PyObject *self, PyObject *arg)
{
    (void)self;
    const char *level = PyUnicode_AsUTF8(arg);
    if (!level)
        return NULL;
    int ok = strcmp(level, "portable") == 0;
#if (defined(__x86_64__) || defined(__i386__)) && (defined(__GNUC__) || defined(__clang__))
    __builtin_cpu_init();
    if (strcmp(level, "avx2") == 0)
        ok = __builtin_cpu_supports("avx2");
    else if (strcmp(level, "avx512") == 0)
        ok = __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
             __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512dq") &&
             __builtin_cpu_supports("avx512vnni");
#endif
#if defined(__aarch64__)
    if (strcmp(level, "neon") == 0)
        ok = 1;
#endif
    return PyBool_FromLong(ok);
}

static PyMethodDef methods[] = {
    {"run", (PyCFunction)(void (*)(void))py_run, METH_FASTCALL,
     "run(nodes_address, count[, seconds_address]): run prepared nodes"},
    {"layouts", py_layouts, METH_NOARGS, "op data layouts: {name: (size, fields)}"},
    {"kernels", py_kernels, METH_NOARGS, "kernel names in id order"},
    {"cpu_supports", py_cpu_supports, METH_O, "cpu_supports(level) -> bool"},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, TINYRT_STR(TINYRT_MODULE),
    "tinyrt's compiled kernels and executor (" TINYRT_ISA_NAME ")", -1, methods,
    NULL, NULL, NULL, NULL,
};

PyMODINIT_FUNC TINYRT_CAT(PyInit_, TINYRT_MODULE)(void)
{
    PyObject *m = PyModule_Create(&module);
#ifdef TINYRT_I32_LANES
    const long lanes = TINYRT_I32_LANES;
#else
    const long lanes = 1;
#endif
    if (m && (PyModule_AddStringConstant(m, "ISA", TINYRT_ISA_NAME) < 0 ||
              PyModule_AddIntConstant(m, "I32_LANES", lanes) < 0)) {
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
