/*
 * A stand-in for libnvidia-ml.so.1: the NVML symbols gpuscale calls, with nvml.h's ABI
 * (return codes, struct layouts, units; see shared/reference/nvml.md section 4), and scripted
 * values. Tests steer it through the fakenvml_* functions at the end of this file.
 *
 * Default node: GPU 0 "NVIDIA GeForce RTX 4090", GPU 1 "NVIDIA GeForce RTX 3060", any further
 * GPUs "NVIDIA H100 80GB HBM3". FAKE_NVML_GPUS=n sets the GPU count for subprocess tests.
 *
 * FAKE_NVML_CONTROL=FILE steers a library loaded by another process (the agent jar) while it runs:
 * the file is re-read whenever its modification time or size changes, at every nvmlInit_v2, count
 * and handle lookup and device call, and its lines are applied in order:
 *   count N             NVML enumerates N GPUs (a GPU leaving the bus, or coming back)
 *   lost GPU MODE       0: the GPU answers; 1: GPU_IS_LOST to every call, handle lookups included;
 *                       2: handle lookups work, every call on the handle (UUID too) is GPU_IS_LOST,
 *                       as real drivers answer after Xid 79
 *   set GPU FIELD VALUE a scripted value (see FIELDS)
 * An unreadable or malformed line is ignored, so a test writes the whole file anew each time.
 *
 * Datacenter GPUs can be put in MIG mode (fakenvml_set(gpu, "mig_current", 1)) and given up to 7
 * MIG devices (fakenvml_add_mig); their handles answer the calls real MIG handles answer (UUID,
 * name, memory, GPU/compute instance ids). Each event set queues the Xid events and GPU_IS_LOST
 * results injected for the GPUs registered with it (fakenvml_inject_*).
 *
 * Built three times by build.sh: the modern driver (R550+) and, with -DFAKE_NVML_LEGACY, an old one
 * (R470) that lacks every _v2 memory / _v2 and _v3 process symbol, ClocksEventReasons and
 * ProcessesUtilizationInfo; and, with -DFAKE_NVML_SPARSE, one that lacks functions with no
 * fallback: nvmlDeviceGetTotalEnergyConsumption (as before R390) and the event API.
 *
 * Threads: the event functions (nvmlEventSet*, the waits, the injections and the counters they
 * touch) may run on another thread than the rest, as the agent's event thread does; they, init
 * and shutdown share one mutex. Everything else is driven from one thread at a time.
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <stddef.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#define EXPORT __attribute__((visibility("default")))

typedef int nvmlReturn_t;
typedef struct fake_gpu *nvmlDevice_t;

enum {
    NVML_SUCCESS = 0,
    NVML_ERROR_UNINITIALIZED = 1,
    NVML_ERROR_INVALID_ARGUMENT = 2,
    NVML_ERROR_NOT_SUPPORTED = 3,
    NVML_ERROR_NO_PERMISSION = 4,
    NVML_ERROR_NOT_FOUND = 6,
    NVML_ERROR_INSUFFICIENT_SIZE = 7,
    NVML_ERROR_TIMEOUT = 10,
    NVML_ERROR_FUNCTION_NOT_FOUND = 13,
    NVML_ERROR_GPU_IS_LOST = 15,
    NVML_ERROR_ARGUMENT_VERSION_MISMATCH = 25,
    NVML_ERROR_UNKNOWN = 999,
};

/* ---- nvml.h structs (x86_64 layouts, sizes checked below) ---- */

typedef struct {
    char busIdLegacy[16];
    unsigned int domain;
    unsigned int bus;
    unsigned int device;
    unsigned int pciDeviceId;
    unsigned int pciSubSystemId;
    char busId[32];
} nvmlPciInfo_t;

typedef struct {
    unsigned int gpu;
    unsigned int memory;
} nvmlUtilization_t;

typedef struct {
    unsigned long long total;
    unsigned long long free;
    unsigned long long used;
} nvmlMemory_t;

typedef struct {
    unsigned int version;
    unsigned long long total;
    unsigned long long reserved;
    unsigned long long free;
    unsigned long long used;
} nvmlMemory_v2_t;

typedef struct {
    unsigned int pid;
    unsigned long long usedGpuMemory;
    unsigned int gpuInstanceId;
    unsigned int computeInstanceId;
} nvmlProcessInfo_t;

typedef struct {
    unsigned int pid;
    unsigned long long usedGpuMemory;
} nvmlProcessInfo_v1_t;

typedef struct {
    unsigned int pid;
    unsigned long long timeStamp;
    unsigned int smUtil;
    unsigned int memUtil;
    unsigned int encUtil;
    unsigned int decUtil;
} nvmlProcessUtilizationSample_t;

typedef struct {
    unsigned long long timeStamp;
    unsigned int pid;
    unsigned int smUtil;
    unsigned int memUtil;
    unsigned int encUtil;
    unsigned int decUtil;
    unsigned int jpgUtil;
    unsigned int ofaUtil;
} nvmlProcessUtilizationInfo_v1_t;

typedef struct {
    unsigned int version;
    unsigned int processSamplesCount;
    unsigned long long lastSeenTimeStamp;
    nvmlProcessUtilizationInfo_v1_t *procUtilArray;
} nvmlProcessesUtilizationInfo_t;

/* Filled by nvmlEventSetWait_v2. gpuInstanceId/computeInstanceId are 0xFFFFFFFF for the whole GPU. */
typedef struct {
    nvmlDevice_t device;
    unsigned long long eventType;
    unsigned long long eventData;
    unsigned int gpuInstanceId;
    unsigned int computeInstanceId;
} nvmlEventData_t;

#define NVML_EVENT_TYPE_SINGLE_BIT_ECC 0x1ULL
#define NVML_EVENT_TYPE_DOUBLE_BIT_ECC 0x2ULL
#define NVML_EVENT_TYPE_PSTATE 0x4ULL
#define NVML_EVENT_TYPE_XID_CRITICAL_ERROR 0x8ULL
#define NVML_EVENT_TYPE_CLOCK 0x10ULL
#define NVML_EVENT_MIG_CONFIG_CHANGE 0x100ULL
#define NVML_MEMORY_V2_VERSION 0x02000028u
#define NVML_PROCESSES_UTILIZATION_INFO_V1_VERSION 0x01000018u

_Static_assert(sizeof(nvmlPciInfo_t) == 68, "nvmlPciInfo_t");
_Static_assert(sizeof(nvmlUtilization_t) == 8, "nvmlUtilization_t");
_Static_assert(sizeof(nvmlMemory_t) == 24, "nvmlMemory_t");
_Static_assert(sizeof(nvmlMemory_v2_t) == 40, "nvmlMemory_v2_t");
_Static_assert(sizeof(nvmlProcessInfo_t) == 24, "nvmlProcessInfo_t");
_Static_assert(sizeof(nvmlProcessInfo_v1_t) == 16, "nvmlProcessInfo_v1_t");
_Static_assert(sizeof(nvmlProcessUtilizationSample_t) == 32, "nvmlProcessUtilizationSample_t");
_Static_assert(sizeof(nvmlProcessUtilizationInfo_v1_t) == 40, "nvmlProcessUtilizationInfo_v1_t");
_Static_assert(sizeof(nvmlProcessesUtilizationInfo_t) == 24, "nvmlProcessesUtilizationInfo_t");
_Static_assert(sizeof(nvmlEventData_t) == 32, "nvmlEventData_t");
_Static_assert(offsetof(nvmlEventData_t, eventData) == 16, "nvmlEventData_t.eventData");
_Static_assert(offsetof(nvmlEventData_t, gpuInstanceId) == 24, "nvmlEventData_t.gpuInstanceId");

/* ---- the scripted node ---- */

#define MAX_GPUS 64
#define MAX_PROCS 64
#define MAX_SAMPLES 256
#define MAX_MIG 7          /* what nvmlDeviceGetMaxMigDeviceCount answers on an A100/H100 */
#define MAX_SETS 256       /* event sets are never reused, so a freed one stays recognisable */
#define MAX_QUEUE 64

/* Every exported NVML function, for call counters and forced return codes. */
#define FUNCTIONS(X) \
    X(nvmlInit_v2) \
    X(nvmlShutdown) \
    X(nvmlSystemGetDriverVersion) \
    X(nvmlSystemGetNVMLVersion) \
    X(nvmlSystemGetCudaDriverVersion) \
    X(nvmlSystemGetCudaDriverVersion_v2) \
    X(nvmlDeviceGetCount_v2) \
    X(nvmlDeviceGetHandleByIndex_v2) \
    X(nvmlDeviceGetIndex) \
    X(nvmlDeviceGetName) \
    X(nvmlDeviceGetUUID) \
    X(nvmlDeviceGetPciInfo_v3) \
    X(nvmlDeviceGetMinorNumber) \
    X(nvmlDeviceGetBrand) \
    X(nvmlDeviceGetCudaComputeCapability) \
    X(nvmlDeviceGetUtilizationRates) \
    X(nvmlDeviceGetEncoderUtilization) \
    X(nvmlDeviceGetDecoderUtilization) \
    X(nvmlDeviceGetMemoryInfo) \
    X(nvmlDeviceGetMemoryInfo_v2) \
    X(nvmlDeviceGetTemperature) \
    X(nvmlDeviceGetPowerUsage) \
    X(nvmlDeviceGetEnforcedPowerLimit) \
    X(nvmlDeviceGetTotalEnergyConsumption) \
    X(nvmlDeviceGetClockInfo) \
    X(nvmlDeviceGetFanSpeed) \
    X(nvmlDeviceGetCurrentClocksThrottleReasons) \
    X(nvmlDeviceGetCurrentClocksEventReasons) \
    X(nvmlDeviceGetMigMode) \
    X(nvmlDeviceGetComputeRunningProcesses) \
    X(nvmlDeviceGetComputeRunningProcesses_v2) \
    X(nvmlDeviceGetComputeRunningProcesses_v3) \
    X(nvmlDeviceGetProcessUtilization) \
    X(nvmlDeviceGetProcessesUtilizationInfo) \
    X(nvmlDeviceGetMaxMigDeviceCount) \
    X(nvmlDeviceGetMigDeviceHandleByIndex) \
    X(nvmlDeviceGetGpuInstanceId) \
    X(nvmlDeviceGetComputeInstanceId) \
    X(nvmlEventSetCreate) \
    X(nvmlEventSetFree) \
    X(nvmlDeviceGetSupportedEventTypes) \
    X(nvmlDeviceRegisterEvents) \
    X(nvmlEventSetWait_v2)

#define AS_ENUM(name) FN_##name,
enum { FUNCTIONS(AS_ENUM) FN_COUNT };
#define AS_NAME(name) #name,
static const char *const FN_NAMES[FN_COUNT] = { FUNCTIONS(AS_NAME) };

struct fake_process {
    unsigned int pid;
    unsigned long long used_memory;
    unsigned int gpu_instance, compute_instance; /* 0xFFFFFFFF outside MIG */
};

/* A MIG device; its handle is its address in migs[][]. */
struct fake_mig {
    int present;
    char name[96];
    char uuid[96];
    unsigned int gpu_instance, compute_instance;
    unsigned long long memory_total, memory_reserved, memory_used;
};

struct fake_sample {
    unsigned int pid;
    unsigned long long timestamp;
    unsigned int sm, mem, enc, dec;
};

struct fake_gpu {
    char name[96];
    char uuid[96];
    unsigned int pci_device_id;
    unsigned int minor;
    int brand;
    int cc_major, cc_minor;
    unsigned long long v[32];          /* values, indexed by the FIELDS below */
    int forced[FN_COUNT];              /* 0 = behave, else the return code to give */
    int mig_forced[FN_COUNT];          /* the same for calls on this GPU's MIG handles */
    int lost;                          /* 1: every call, handle lookups too, is GPU_IS_LOST; 2: all but lookups */
    int nprocs;
    struct fake_process procs[MAX_PROCS];
    int nsamples;
    struct fake_sample samples[MAX_SAMPLES];
    unsigned long long last_seen;      /* lastSeenTimeStamp of the latest sample query */
};

#define FIELDS(X) \
    X(utilization_gpu) X(utilization_memory) X(utilization_encoder) X(utilization_decoder) \
    X(memory_total) X(memory_reserved) X(memory_used) \
    X(temperature) X(power_usage) X(power_limit) X(energy) \
    X(clock_graphics) X(clock_sm) X(clock_memory) X(clock_video) \
    X(fan_speed) X(clock_event_reasons) X(mig_current) X(mig_pending) \
    X(minor_number) X(brand) X(cc_major) X(cc_minor) X(supported_events)

#define AS_FIELD(name) F_##name,
enum { FIELDS(AS_FIELD) F_COUNT };
#define AS_FIELD_NAME(name) #name,
static const char *const FIELD_NAMES[F_COUNT] = { FIELDS(AS_FIELD_NAME) };
_Static_assert(F_COUNT <= 32, "fields");

static struct fake_gpu gpus[MAX_GPUS];
static struct fake_mig migs[MAX_GPUS][MAX_MIG];

static void apply_control(void);
static int find_field(const char *field);

/* Reserved memory of every MIG device: v2 reports it apart, v1 counts it as used. */
static const unsigned long long MIG_RESERVED = 16ULL * 1024 * 1024;

struct fake_event {
    int gpu;                           /* -1: GPU_IS_LOST for no identifiable GPU */
    int lost;                          /* the wait answers GPU_IS_LOST */
    unsigned long long type, data;
    unsigned int gpu_instance, compute_instance;
};

struct nvmlEventSet_st {
    int live;
    int waiting;
    unsigned long long mask[MAX_GPUS]; /* registered event types per GPU */
    int head, count;
    struct fake_event queue[MAX_QUEUE];
};
typedef struct nvmlEventSet_st *nvmlEventSet_t;

/* Guards the event sets, the counters below and init_refs (see the file comment). */
static pthread_mutex_t ev_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t ev_cv;           /* any change of an event set or of the waiters */
static struct nvmlEventSet_st sets[MAX_SETS];
static int sets_created;
static int waiters;                    /* threads inside nvmlEventSetWait_v2 now */
static int misuses;                    /* waits on, or frees of, a freed set; frees during a wait */
static int shutdowns_with_live_sets;   /* nvmlShutdown while a set was not freed */
static int gpu_count;
static int init_refs;
static int init_successes;
static int shutdown_successes;
static int forced_global[FN_COUNT];   /* forced codes for calls not tied to a GPU */
static long long calls[FN_COUNT][MAX_GPUS + 1]; /* column MAX_GPUS: calls not tied to a GPU */
static char driver_version[80] = "550.163.01";
static char nvml_version[80] = "12.550.163.01";
static int cuda_driver_version = 12040;

static const unsigned long long GIB = 1024ULL * 1024 * 1024;
static const unsigned long long MIB = 1024ULL * 1024;

static void setup_gpu(int i) {
    struct fake_gpu *g = &gpus[i];
    memset(g, 0, sizeof *g);
    unsigned long long *v = g->v;
    if (i == 0) {
        snprintf(g->name, sizeof g->name, "NVIDIA GeForce RTX 4090");
        g->pci_device_id = 0x268410DE;
        g->brand = 5; /* NVML_BRAND_GEFORCE */
        g->cc_major = 8; g->cc_minor = 9;
        v[F_memory_total] = 24 * GIB; v[F_memory_reserved] = 434 * MIB; v[F_memory_used] = 2 * GIB;
        v[F_power_usage] = 285000; v[F_power_limit] = 450000;
        v[F_clock_sm] = 2520; v[F_clock_graphics] = 2520; v[F_clock_memory] = 10501; v[F_clock_video] = 1965;
        v[F_fan_speed] = 45;
        v[F_supported_events] = NVML_EVENT_TYPE_PSTATE | NVML_EVENT_TYPE_XID_CRITICAL_ERROR | NVML_EVENT_TYPE_CLOCK;
        g->forced[FN_nvmlDeviceGetMigMode] = NVML_ERROR_NOT_SUPPORTED;
        g->forced[FN_nvmlDeviceGetMaxMigDeviceCount] = NVML_ERROR_NOT_SUPPORTED;
    } else if (i == 1) {
        snprintf(g->name, sizeof g->name, "NVIDIA GeForce RTX 3060");
        g->pci_device_id = 0x250310DE;
        g->brand = 5;
        g->cc_major = 8; g->cc_minor = 6;
        v[F_memory_total] = 12 * GIB; v[F_memory_reserved] = 250 * MIB; v[F_memory_used] = 1 * GIB;
        v[F_power_usage] = 95000; v[F_power_limit] = 170000;
        v[F_clock_sm] = 1777; v[F_clock_graphics] = 1777; v[F_clock_memory] = 7501; v[F_clock_video] = 1555;
        v[F_fan_speed] = 38;
        v[F_supported_events] = NVML_EVENT_TYPE_PSTATE | NVML_EVENT_TYPE_XID_CRITICAL_ERROR | NVML_EVENT_TYPE_CLOCK;
        g->forced[FN_nvmlDeviceGetMigMode] = NVML_ERROR_NOT_SUPPORTED;
        g->forced[FN_nvmlDeviceGetMaxMigDeviceCount] = NVML_ERROR_NOT_SUPPORTED;
    } else {
        snprintf(g->name, sizeof g->name, "NVIDIA H100 80GB HBM3");
        g->pci_device_id = 0x233010DE;
        g->brand = 14; /* NVML_BRAND_NVIDIA (datacenter) */
        g->cc_major = 9; g->cc_minor = 0;
        v[F_memory_total] = 80 * GIB; v[F_memory_reserved] = 542 * MIB; v[F_memory_used] = 40 * GIB;
        v[F_power_usage] = 350000; v[F_power_limit] = 700000;
        v[F_clock_sm] = 1980; v[F_clock_graphics] = 1980; v[F_clock_memory] = 2619; v[F_clock_video] = 1755;
        v[F_supported_events] = NVML_EVENT_TYPE_SINGLE_BIT_ECC | NVML_EVENT_TYPE_DOUBLE_BIT_ECC
                | NVML_EVENT_TYPE_PSTATE | NVML_EVENT_TYPE_XID_CRITICAL_ERROR | NVML_EVENT_TYPE_CLOCK
                | NVML_EVENT_MIG_CONFIG_CHANGE;
        g->forced[FN_nvmlDeviceGetFanSpeed] = NVML_ERROR_NOT_SUPPORTED;
    }
    snprintf(g->uuid, sizeof g->uuid, "GPU-%08x-%04x-4000-8000-%012x", 0x5eed0000u + (unsigned) i,
             (g->pci_device_id >> 16) & 0xFFFF, (unsigned) i + 1);
    g->minor = (unsigned) i;
    v[F_utilization_gpu] = 37 + (unsigned) i;
    v[F_utilization_memory] = 21 + (unsigned) i;
    v[F_utilization_encoder] = 5;
    v[F_utilization_decoder] = 7;
    v[F_temperature] = 55 + (unsigned) i;
    v[F_energy] = 123456789ULL + (unsigned long long) i * 1000;
    v[F_clock_event_reasons] = 0x1; /* GpuIdle */
    v[F_minor_number] = g->minor;
    v[F_brand] = (unsigned long long) g->brand;
    v[F_cc_major] = (unsigned long long) g->cc_major;
    v[F_cc_minor] = (unsigned long long) g->cc_minor;
}

/* ---- helpers ---- */

static int find_fn(const char *name) {
    for (int f = 0; f < FN_COUNT; f++) {
        if (name != NULL && strcmp(FN_NAMES[f], name) == 0) {
            return f;
        }
    }
    return -1;
}

static int gpu_index(nvmlDevice_t device) {
    uintptr_t p = (uintptr_t) device, base = (uintptr_t) &gpus[0];
    if (p < base || p >= (uintptr_t) &gpus[gpu_count] || (p - base) % sizeof gpus[0] != 0) {
        return -1;
    }
    return (int) ((p - base) / sizeof gpus[0]);
}

/* The parent GPU of a MIG handle (and its slot), or -1 when device is not one. */
static int mig_parent(nvmlDevice_t device, int *slot) {
    uintptr_t p = (uintptr_t) device, base = (uintptr_t) &migs[0][0];
    if (p < base || p - base >= sizeof migs || (p - base) % sizeof migs[0][0] != 0) {
        return -1;
    }
    int k = (int) ((p - base) / sizeof migs[0][0]);
    *slot = k % MAX_MIG;
    return k / MAX_MIG;
}

/* Common entry of a call on a MIG handle; counted under the parent GPU. */
static nvmlReturn_t enter_mig(int fn, int parent, int slot) {
    calls[fn][parent]++;
    if (init_refs == 0) {
        return NVML_ERROR_UNINITIALIZED;
    }
    if (parent >= gpu_count || gpus[parent].v[F_mig_current] != 1 || !migs[parent][slot].present) {
        return NVML_ERROR_INVALID_ARGUMENT; /* a handle from before MIG was reconfigured */
    }
    if (gpus[parent].lost) {
        return NVML_ERROR_GPU_IS_LOST;
    }
    return gpus[parent].mig_forced[fn];
}

/* Common entry of every device call: counts it and applies lifecycle and forced codes. */
static nvmlReturn_t enter_device(int fn, nvmlDevice_t device, int *index) {
    apply_control();
    int i = gpu_index(device);
    calls[fn][i < 0 ? MAX_GPUS : i]++;
    if (init_refs == 0) {
        return NVML_ERROR_UNINITIALIZED;
    }
    if (i < 0) {
        return NVML_ERROR_INVALID_ARGUMENT;
    }
    if (gpus[i].lost) {
        return NVML_ERROR_GPU_IS_LOST;
    }
    if (gpus[i].forced[fn] != 0) {
        return gpus[i].forced[fn];
    }
    *index = i;
    return NVML_SUCCESS;
}

static nvmlReturn_t enter_system(int fn, int needs_init) {
    apply_control();
    calls[fn][MAX_GPUS]++;
    if (needs_init && init_refs == 0) {
        return NVML_ERROR_UNINITIALIZED;
    }
    return forced_global[fn];
}

#define DEVICE_CALL(name, device) \
    int idx = -1; \
    nvmlReturn_t rc_ = enter_device(FN_##name, device, &idx); \
    if (rc_ != NVML_SUCCESS) return rc_; \
    struct fake_gpu *g = &gpus[idx]; \
    (void) g

static nvmlReturn_t copy_string(const char *value, char *buffer, unsigned int length) {
    if (buffer == NULL) {
        return NVML_ERROR_INVALID_ARGUMENT;
    }
    if (strlen(value) + 1 > length) {
        return NVML_ERROR_INSUFFICIENT_SIZE;
    }
    memcpy(buffer, value, strlen(value) + 1);
    return NVML_SUCCESS;
}

#define NEED(ptr) if ((ptr) == NULL) return NVML_ERROR_INVALID_ARGUMENT

/* For the functions that also take MIG handles: m is the MIG device, or NULL for a GPU handle. */
#define MIG_OR_DEVICE(name, device) \
    int mslot_ = 0; \
    int mparent_ = mig_parent(device, &mslot_); \
    struct fake_mig *m = NULL; \
    if (mparent_ >= 0) { \
        nvmlReturn_t mrc_ = enter_mig(FN_##name, mparent_, mslot_); \
        if (mrc_ != NVML_SUCCESS) return mrc_; \
        m = &migs[mparent_][mslot_]; \
    }

/* ---- lifecycle and system ---- */

EXPORT nvmlReturn_t nvmlInit_v2(void) {
    pthread_mutex_lock(&ev_mu);
    nvmlReturn_t rc = enter_system(FN_nvmlInit_v2, 0);
    if (rc == NVML_SUCCESS) {
        init_refs++;
        init_successes++;
    }
    pthread_mutex_unlock(&ev_mu);
    return rc;
}

EXPORT nvmlReturn_t nvmlShutdown(void) {
    pthread_mutex_lock(&ev_mu);
    nvmlReturn_t rc = enter_system(FN_nvmlShutdown, 1);
    if (rc == NVML_SUCCESS) {
        for (int s = 0; s < sets_created; s++) {
            if (sets[s].live) {
                shutdowns_with_live_sets++;
                break;
            }
        }
        init_refs--;
        shutdown_successes++;
    }
    pthread_mutex_unlock(&ev_mu);
    return rc;
}

EXPORT const char *nvmlErrorString(nvmlReturn_t result) {
    switch (result) {
    case 0: return "Success";
    case 1: return "Uninitialized";
    case 2: return "Invalid Argument";
    case 3: return "Not Supported";
    case 4: return "Insufficient Permissions";
    case 5: return "Already Initialized";
    case 6: return "Not Found";
    case 7: return "Insufficient Size";
    case 8: return "Insufficient External Power";
    case 9: return "Driver Not Loaded";
    case 10: return "Timeout";
    case 11: return "Interrupt request issue";
    case 12: return "NVML Shared Library Not Found";
    case 13: return "Function Not Found";
    case 14: return "Corrupted infoROM";
    case 15: return "GPU is lost";
    case 16: return "GPU requires restart";
    case 17: return "The operating system has blocked the request.";
    case 18: return "RM has detected an NVML/RM version mismatch.";
    case 25: return "Argument version mismatch";
    case 28: return "GPU not found";
    default: return "Unknown Error";
    }
}

EXPORT nvmlReturn_t nvmlSystemGetDriverVersion(char *version, unsigned int length) {
    nvmlReturn_t rc = enter_system(FN_nvmlSystemGetDriverVersion, 1);
    return rc != NVML_SUCCESS ? rc : copy_string(driver_version, version, length);
}

EXPORT nvmlReturn_t nvmlSystemGetNVMLVersion(char *version, unsigned int length) {
    nvmlReturn_t rc = enter_system(FN_nvmlSystemGetNVMLVersion, 0);
    return rc != NVML_SUCCESS ? rc : copy_string(nvml_version, version, length);
}

EXPORT nvmlReturn_t nvmlSystemGetCudaDriverVersion(int *version) {
    nvmlReturn_t rc = enter_system(FN_nvmlSystemGetCudaDriverVersion, 0);
    if (rc != NVML_SUCCESS) return rc;
    NEED(version);
    *version = cuda_driver_version;
    return NVML_SUCCESS;
}

EXPORT nvmlReturn_t nvmlSystemGetCudaDriverVersion_v2(int *version) {
    nvmlReturn_t rc = enter_system(FN_nvmlSystemGetCudaDriverVersion_v2, 0);
    if (rc != NVML_SUCCESS) return rc;
    NEED(version);
    *version = cuda_driver_version;
    return NVML_SUCCESS;
}

EXPORT nvmlReturn_t nvmlDeviceGetCount_v2(unsigned int *count) {
    nvmlReturn_t rc = enter_system(FN_nvmlDeviceGetCount_v2, 1);
    if (rc != NVML_SUCCESS) return rc;
    NEED(count);
    *count = (unsigned int) gpu_count;
    return NVML_SUCCESS;
}

EXPORT nvmlReturn_t nvmlDeviceGetHandleByIndex_v2(unsigned int index, nvmlDevice_t *device) {
    apply_control();
    int column = index < (unsigned int) gpu_count ? (int) index : MAX_GPUS;
    calls[FN_nvmlDeviceGetHandleByIndex_v2][column]++;
    if (init_refs == 0) return NVML_ERROR_UNINITIALIZED;
    if (index >= (unsigned int) gpu_count || device == NULL) return NVML_ERROR_INVALID_ARGUMENT;
    if (forced_global[FN_nvmlDeviceGetHandleByIndex_v2] != 0) return forced_global[FN_nvmlDeviceGetHandleByIndex_v2];
    if (gpus[index].lost == 1) return NVML_ERROR_GPU_IS_LOST;
    if (gpus[index].forced[FN_nvmlDeviceGetHandleByIndex_v2] != 0) return gpus[index].forced[FN_nvmlDeviceGetHandleByIndex_v2];
    *device = &gpus[index];
    return NVML_SUCCESS;
}

/* ---- identity ---- */

EXPORT nvmlReturn_t nvmlDeviceGetIndex(nvmlDevice_t device, unsigned int *index) {
    DEVICE_CALL(nvmlDeviceGetIndex, device);
    NEED(index);
    *index = (unsigned int) idx;
    return NVML_SUCCESS;
}

EXPORT nvmlReturn_t nvmlDeviceGetName(nvmlDevice_t device, char *name, unsigned int length) {
    MIG_OR_DEVICE(nvmlDeviceGetName, device);
    if (m != NULL) return copy_string(m->name, name, length);
    DEVICE_CALL(nvmlDeviceGetName, device);
    return copy_string(g->name, name, length);
}

EXPORT nvmlReturn_t nvmlDeviceGetUUID(nvmlDevice_t device, char *uuid, unsigned int length) {
    MIG_OR_DEVICE(nvmlDeviceGetUUID, device);
    if (m != NULL) return copy_string(m->uuid, uuid, length);
    DEVICE_CALL(nvmlDeviceGetUUID, device);
    return copy_string(g->uuid, uuid, length);
}

EXPORT nvmlReturn_t nvmlDeviceGetPciInfo_v3(nvmlDevice_t device, nvmlPciInfo_t *pci) {
    DEVICE_CALL(nvmlDeviceGetPciInfo_v3, device);
    NEED(pci);
    memset(pci, 0, sizeof *pci);
    pci->domain = 0;
    pci->bus = 1u + (unsigned int) idx;
    pci->device = 0;
    pci->pciDeviceId = g->pci_device_id;
    pci->pciSubSystemId = 0x16F01043;
    snprintf(pci->busIdLegacy, sizeof pci->busIdLegacy, "0000:%02X:00.0", pci->bus);
    snprintf(pci->busId, sizeof pci->busId, "%08X:%02X:%02X.0", pci->domain, pci->bus, pci->device);
    return NVML_SUCCESS;
}

EXPORT nvmlReturn_t nvmlDeviceGetMinorNumber(nvmlDevice_t device, unsigned int *minor) {
    DEVICE_CALL(nvmlDeviceGetMinorNumber, device);
    NEED(minor);
    *minor = (unsigned int) g->v[F_minor_number];
    return NVML_SUCCESS;
}

EXPORT nvmlReturn_t nvmlDeviceGetBrand(nvmlDevice_t device, int *brand) {
    DEVICE_CALL(nvmlDeviceGetBrand, device);
    NEED(brand);
    *brand = (int) g->v[F_brand];
    return NVML_SUCCESS;
}

EXPORT nvmlReturn_t nvmlDeviceGetCudaComputeCapability(nvmlDevice_t device, int *major, int *minor) {
    DEVICE_CALL(nvmlDeviceGetCudaComputeCapability, device);
    NEED(major);
    NEED(minor);
    *major = (int) g->v[F_cc_major];
    *minor = (int) g->v[F_cc_minor];
    return NVML_SUCCESS;
}

/* ---- readings ---- */

EXPORT nvmlReturn_t nvmlDeviceGetUtilizationRates(nvmlDevice_t device, nvmlUtilization_t *utilization) {
    DEVICE_CALL(nvmlDeviceGetUtilizationRates, device);
    NEED(utilization);
    utilization->gpu = (unsigned int) g->v[F_utilization_gpu];
    utilization->memory = (unsigned int) g->v[F_utilization_memory];
    return NVML_SUCCESS;
}

EXPORT nvmlReturn_t nvmlDeviceGetEncoderUtilization(nvmlDevice_t device, unsigned int *utilization,
                                                    unsigned int *samplingPeriodUs) {
    DEVICE_CALL(nvmlDeviceGetEncoderUtilization, device);
    NEED(utilization);
    NEED(samplingPeriodUs);
    *utilization = (unsigned int) g->v[F_utilization_encoder];
    *samplingPeriodUs = 167000;
    return NVML_SUCCESS;
}

EXPORT nvmlReturn_t nvmlDeviceGetDecoderUtilization(nvmlDevice_t device, unsigned int *utilization,
                                                    unsigned int *samplingPeriodUs) {
    DEVICE_CALL(nvmlDeviceGetDecoderUtilization, device);
    NEED(utilization);
    NEED(samplingPeriodUs);
    *utilization = (unsigned int) g->v[F_utilization_decoder];
    *samplingPeriodUs = 167000;
    return NVML_SUCCESS;
}

static unsigned long long memory_free(const struct fake_gpu *g) {
    unsigned long long taken = g->v[F_memory_reserved] + g->v[F_memory_used];
    return taken >= g->v[F_memory_total] ? 0 : g->v[F_memory_total] - taken;
}

/* v1: "used" includes the memory the driver reserves. */
EXPORT nvmlReturn_t nvmlDeviceGetMemoryInfo(nvmlDevice_t device, nvmlMemory_t *memory) {
    MIG_OR_DEVICE(nvmlDeviceGetMemoryInfo, device);
    NEED(memory);
    if (m != NULL) {
        unsigned long long taken = m->memory_reserved + m->memory_used;
        memory->total = m->memory_total;
        memory->free = taken >= m->memory_total ? 0 : m->memory_total - taken;
        memory->used = taken;
        return NVML_SUCCESS;
    }
    DEVICE_CALL(nvmlDeviceGetMemoryInfo, device);
    memory->total = g->v[F_memory_total];
    memory->free = memory_free(g);
    memory->used = g->v[F_memory_used] + g->v[F_memory_reserved];
    return NVML_SUCCESS;
}

#ifndef FAKE_NVML_LEGACY
/* v2: "used" excludes the reserved memory; the version field must be nvmlMemory_v2. */
EXPORT nvmlReturn_t nvmlDeviceGetMemoryInfo_v2(nvmlDevice_t device, nvmlMemory_v2_t *memory) {
    MIG_OR_DEVICE(nvmlDeviceGetMemoryInfo_v2, device);
    NEED(memory);
    if (memory->version != NVML_MEMORY_V2_VERSION) {
        /* What real drivers answer to version 2 instead of 0x02000028. */
        return NVML_ERROR_FUNCTION_NOT_FOUND;
    }
    if (m != NULL) {
        unsigned long long taken = m->memory_reserved + m->memory_used;
        memory->total = m->memory_total;
        memory->reserved = m->memory_reserved;
        memory->free = taken >= m->memory_total ? 0 : m->memory_total - taken;
        memory->used = m->memory_used;
        return NVML_SUCCESS;
    }
    DEVICE_CALL(nvmlDeviceGetMemoryInfo_v2, device);
    memory->total = g->v[F_memory_total];
    memory->reserved = g->v[F_memory_reserved];
    memory->free = memory_free(g);
    memory->used = g->v[F_memory_used];
    return NVML_SUCCESS;
}
#endif

EXPORT nvmlReturn_t nvmlDeviceGetTemperature(nvmlDevice_t device, int sensorType, unsigned int *temp) {
    DEVICE_CALL(nvmlDeviceGetTemperature, device);
    NEED(temp);
    if (sensorType != 0) return NVML_ERROR_INVALID_ARGUMENT;
    *temp = (unsigned int) g->v[F_temperature];
    return NVML_SUCCESS;
}

EXPORT nvmlReturn_t nvmlDeviceGetPowerUsage(nvmlDevice_t device, unsigned int *power) {
    DEVICE_CALL(nvmlDeviceGetPowerUsage, device);
    NEED(power);
    *power = (unsigned int) g->v[F_power_usage];
    return NVML_SUCCESS;
}

EXPORT nvmlReturn_t nvmlDeviceGetEnforcedPowerLimit(nvmlDevice_t device, unsigned int *limit) {
    DEVICE_CALL(nvmlDeviceGetEnforcedPowerLimit, device);
    NEED(limit);
    *limit = (unsigned int) g->v[F_power_limit];
    return NVML_SUCCESS;
}

#ifndef FAKE_NVML_SPARSE
EXPORT nvmlReturn_t nvmlDeviceGetTotalEnergyConsumption(nvmlDevice_t device, unsigned long long *energy) {
    DEVICE_CALL(nvmlDeviceGetTotalEnergyConsumption, device);
    NEED(energy);
    *energy = g->v[F_energy];
    return NVML_SUCCESS;
}
#endif

EXPORT nvmlReturn_t nvmlDeviceGetClockInfo(nvmlDevice_t device, int type, unsigned int *clock) {
    DEVICE_CALL(nvmlDeviceGetClockInfo, device);
    NEED(clock);
    switch (type) {
    case 0: *clock = (unsigned int) g->v[F_clock_graphics]; return NVML_SUCCESS;
    case 1: *clock = (unsigned int) g->v[F_clock_sm]; return NVML_SUCCESS;
    case 2: *clock = (unsigned int) g->v[F_clock_memory]; return NVML_SUCCESS;
    case 3: *clock = (unsigned int) g->v[F_clock_video]; return NVML_SUCCESS;
    default: return NVML_ERROR_INVALID_ARGUMENT;
    }
}

EXPORT nvmlReturn_t nvmlDeviceGetFanSpeed(nvmlDevice_t device, unsigned int *speed) {
    DEVICE_CALL(nvmlDeviceGetFanSpeed, device);
    NEED(speed);
    *speed = (unsigned int) g->v[F_fan_speed];
    return NVML_SUCCESS;
}

EXPORT nvmlReturn_t nvmlDeviceGetCurrentClocksThrottleReasons(nvmlDevice_t device, unsigned long long *reasons) {
    DEVICE_CALL(nvmlDeviceGetCurrentClocksThrottleReasons, device);
    NEED(reasons);
    *reasons = g->v[F_clock_event_reasons];
    return NVML_SUCCESS;
}

#ifndef FAKE_NVML_LEGACY
EXPORT nvmlReturn_t nvmlDeviceGetCurrentClocksEventReasons(nvmlDevice_t device, unsigned long long *reasons) {
    DEVICE_CALL(nvmlDeviceGetCurrentClocksEventReasons, device);
    NEED(reasons);
    *reasons = g->v[F_clock_event_reasons];
    return NVML_SUCCESS;
}
#endif

EXPORT nvmlReturn_t nvmlDeviceGetMigMode(nvmlDevice_t device, unsigned int *currentMode, unsigned int *pendingMode) {
    DEVICE_CALL(nvmlDeviceGetMigMode, device);
    NEED(currentMode);
    NEED(pendingMode);
    *currentMode = (unsigned int) g->v[F_mig_current];
    *pendingMode = (unsigned int) g->v[F_mig_pending];
    return NVML_SUCCESS;
}

/* ---- MIG ---- */

EXPORT nvmlReturn_t nvmlDeviceGetMaxMigDeviceCount(nvmlDevice_t device, unsigned int *count) {
    DEVICE_CALL(nvmlDeviceGetMaxMigDeviceCount, device);
    NEED(count);
    *count = MAX_MIG;
    return NVML_SUCCESS;
}

EXPORT nvmlReturn_t nvmlDeviceGetMigDeviceHandleByIndex(nvmlDevice_t device, unsigned int index,
                                                        nvmlDevice_t *migDevice) {
    DEVICE_CALL(nvmlDeviceGetMigDeviceHandleByIndex, device);
    NEED(migDevice);
    if (g->v[F_mig_current] != 1 || index >= MAX_MIG) return NVML_ERROR_INVALID_ARGUMENT;
    if (!migs[idx][index].present) return NVML_ERROR_NOT_FOUND;
    *migDevice = (nvmlDevice_t) (void *) &migs[idx][index];
    return NVML_SUCCESS;
}

/* Only MIG handles have instance ids; a GPU handle gets NOT_SUPPORTED. */
EXPORT nvmlReturn_t nvmlDeviceGetGpuInstanceId(nvmlDevice_t device, unsigned int *id) {
    MIG_OR_DEVICE(nvmlDeviceGetGpuInstanceId, device);
    NEED(id);
    if (m != NULL) {
        *id = m->gpu_instance;
        return NVML_SUCCESS;
    }
    DEVICE_CALL(nvmlDeviceGetGpuInstanceId, device);
    return NVML_ERROR_NOT_SUPPORTED;
}

EXPORT nvmlReturn_t nvmlDeviceGetComputeInstanceId(nvmlDevice_t device, unsigned int *id) {
    MIG_OR_DEVICE(nvmlDeviceGetComputeInstanceId, device);
    NEED(id);
    if (m != NULL) {
        *id = m->compute_instance;
        return NVML_SUCCESS;
    }
    DEVICE_CALL(nvmlDeviceGetComputeInstanceId, device);
    return NVML_ERROR_NOT_SUPPORTED;
}

/* ---- processes ---- */

/* The sizing protocol shared by the three versions: too small a buffer gets the count back. */
static nvmlReturn_t size_check(const struct fake_gpu *g, unsigned int *infoCount, const void *infos) {
    NEED(infoCount);
    if (g->nprocs == 0) {
        *infoCount = 0;
        return NVML_SUCCESS;
    }
    if (infos == NULL || *infoCount < (unsigned int) g->nprocs) {
        *infoCount = (unsigned int) g->nprocs;
        return NVML_ERROR_INSUFFICIENT_SIZE;
    }
    *infoCount = (unsigned int) g->nprocs;
    return NVML_SUCCESS;
}

EXPORT nvmlReturn_t nvmlDeviceGetComputeRunningProcesses(nvmlDevice_t device, unsigned int *infoCount,
                                                         nvmlProcessInfo_v1_t *infos) {
    DEVICE_CALL(nvmlDeviceGetComputeRunningProcesses, device);
    nvmlReturn_t rc = size_check(g, infoCount, infos);
    if (rc != NVML_SUCCESS || g->nprocs == 0) return rc;
    for (int p = 0; p < g->nprocs; p++) {
        infos[p].pid = g->procs[p].pid;
        infos[p].usedGpuMemory = g->procs[p].used_memory;
    }
    return NVML_SUCCESS;
}

#ifndef FAKE_NVML_LEGACY
static nvmlReturn_t fill_processes(const struct fake_gpu *g, unsigned int *infoCount, nvmlProcessInfo_t *infos) {
    nvmlReturn_t rc = size_check(g, infoCount, infos);
    if (rc != NVML_SUCCESS || g->nprocs == 0) return rc;
    for (int p = 0; p < g->nprocs; p++) {
        infos[p].pid = g->procs[p].pid;
        infos[p].usedGpuMemory = g->procs[p].used_memory;
        infos[p].gpuInstanceId = g->procs[p].gpu_instance;
        infos[p].computeInstanceId = g->procs[p].compute_instance;
    }
    return NVML_SUCCESS;
}

EXPORT nvmlReturn_t nvmlDeviceGetComputeRunningProcesses_v2(nvmlDevice_t device, unsigned int *infoCount,
                                                            nvmlProcessInfo_t *infos) {
    DEVICE_CALL(nvmlDeviceGetComputeRunningProcesses_v2, device);
    return fill_processes(g, infoCount, infos);
}

EXPORT nvmlReturn_t nvmlDeviceGetComputeRunningProcesses_v3(nvmlDevice_t device, unsigned int *infoCount,
                                                            nvmlProcessInfo_t *infos) {
    DEVICE_CALL(nvmlDeviceGetComputeRunningProcesses_v3, device);
    return fill_processes(g, infoCount, infos);
}
#endif

static int count_newer(const struct fake_gpu *g, unsigned long long lastSeen) {
    int n = 0;
    for (int s = 0; s < g->nsamples; s++) {
        if (g->samples[s].timestamp > lastSeen) n++;
    }
    return n;
}

EXPORT nvmlReturn_t nvmlDeviceGetProcessUtilization(nvmlDevice_t device, nvmlProcessUtilizationSample_t *utilization,
                                                    unsigned int *processSamplesCount,
                                                    unsigned long long lastSeenTimeStamp) {
    DEVICE_CALL(nvmlDeviceGetProcessUtilization, device);
    NEED(processSamplesCount);
    g->last_seen = lastSeenTimeStamp;
    int n = count_newer(g, lastSeenTimeStamp);
    if (n == 0) return NVML_ERROR_NOT_FOUND;
    if (utilization == NULL || *processSamplesCount < (unsigned int) n) {
        *processSamplesCount = (unsigned int) n;
        return NVML_ERROR_INSUFFICIENT_SIZE;
    }
    int out = 0;
    for (int s = 0; s < g->nsamples; s++) {
        const struct fake_sample *x = &g->samples[s];
        if (x->timestamp <= lastSeenTimeStamp) continue;
        utilization[out].pid = x->pid;
        utilization[out].timeStamp = x->timestamp;
        utilization[out].smUtil = x->sm;
        utilization[out].memUtil = x->mem;
        utilization[out].encUtil = x->enc;
        utilization[out].decUtil = x->dec;
        out++;
    }
    *processSamplesCount = (unsigned int) n;
    return NVML_SUCCESS;
}

#ifndef FAKE_NVML_LEGACY
EXPORT nvmlReturn_t nvmlDeviceGetProcessesUtilizationInfo(nvmlDevice_t device, nvmlProcessesUtilizationInfo_t *info) {
    DEVICE_CALL(nvmlDeviceGetProcessesUtilizationInfo, device);
    NEED(info);
    if (info->version != NVML_PROCESSES_UTILIZATION_INFO_V1_VERSION) return NVML_ERROR_ARGUMENT_VERSION_MISMATCH;
    g->last_seen = info->lastSeenTimeStamp;
    int n = count_newer(g, info->lastSeenTimeStamp);
    if (n == 0) return NVML_ERROR_NOT_FOUND;
    if (info->procUtilArray == NULL || info->processSamplesCount < (unsigned int) n) {
        info->processSamplesCount = (unsigned int) n;
        return NVML_ERROR_INSUFFICIENT_SIZE;
    }
    int out = 0;
    for (int s = 0; s < g->nsamples; s++) {
        const struct fake_sample *x = &g->samples[s];
        if (x->timestamp <= info->lastSeenTimeStamp) continue;
        nvmlProcessUtilizationInfo_v1_t *u = &info->procUtilArray[out++];
        u->timeStamp = x->timestamp;
        u->pid = x->pid;
        u->smUtil = x->sm;
        u->memUtil = x->mem;
        u->encUtil = x->enc;
        u->decUtil = x->dec;
        u->jpgUtil = 0;
        u->ofaUtil = 0;
    }
    info->processSamplesCount = (unsigned int) n;
    return NVML_SUCCESS;
}
#endif

/* ---- events ---- */

/* Caller holds ev_mu. */
static void enqueue(nvmlEventSet_t set, struct fake_event e) {
    if (set->count == MAX_QUEUE) return; /* real drivers drop too */
    set->queue[(set->head + set->count) % MAX_QUEUE] = e;
    set->count++;
}

static struct timespec deadline_after(unsigned int ms) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    t.tv_sec += ms / 1000;
    t.tv_nsec += (long) (ms % 1000) * 1000000L;
    if (t.tv_nsec >= 1000000000L) {
        t.tv_sec++;
        t.tv_nsec -= 1000000000L;
    }
    return t;
}

#ifndef FAKE_NVML_SPARSE
static int live_set(nvmlEventSet_t set) {
    uintptr_t p = (uintptr_t) set, base = (uintptr_t) &sets[0];
    return p >= base && p < (uintptr_t) &sets[sets_created] && (p - base) % sizeof sets[0] == 0 && set->live;
}

static nvmlReturn_t event_call(int fn) {
    calls[fn][MAX_GPUS]++;
    if (init_refs == 0) return NVML_ERROR_UNINITIALIZED;
    return forced_global[fn];
}

EXPORT nvmlReturn_t nvmlEventSetCreate(nvmlEventSet_t *set) {
    pthread_mutex_lock(&ev_mu);
    nvmlReturn_t rc = event_call(FN_nvmlEventSetCreate);
    if (rc == NVML_SUCCESS && set == NULL) rc = NVML_ERROR_INVALID_ARGUMENT;
    if (rc == NVML_SUCCESS && sets_created == MAX_SETS) rc = NVML_ERROR_UNKNOWN;
    if (rc == NVML_SUCCESS) {
        nvmlEventSet_t s = &sets[sets_created++];
        memset(s, 0, sizeof *s);
        s->live = 1;
        *set = s;
    }
    pthread_mutex_unlock(&ev_mu);
    return rc;
}

EXPORT nvmlReturn_t nvmlEventSetFree(nvmlEventSet_t set) {
    pthread_mutex_lock(&ev_mu);
    nvmlReturn_t rc = event_call(FN_nvmlEventSetFree);
    if (rc == NVML_SUCCESS && !live_set(set)) {
        misuses++;
        rc = NVML_ERROR_INVALID_ARGUMENT;
    }
    if (rc == NVML_SUCCESS) {
        if (set->waiting > 0) misuses++;
        set->live = 0;
        pthread_cond_broadcast(&ev_cv);
    }
    pthread_mutex_unlock(&ev_mu);
    return rc;
}

EXPORT nvmlReturn_t nvmlDeviceGetSupportedEventTypes(nvmlDevice_t device, unsigned long long *eventTypes) {
    DEVICE_CALL(nvmlDeviceGetSupportedEventTypes, device);
    NEED(eventTypes);
    *eventTypes = g->v[F_supported_events];
    return NVML_SUCCESS;
}

/* Asking for a type the GPU does not support is NOT_SUPPORTED, as in nvml.h. */
EXPORT nvmlReturn_t nvmlDeviceRegisterEvents(nvmlDevice_t device, unsigned long long eventTypes, nvmlEventSet_t set) {
    DEVICE_CALL(nvmlDeviceRegisterEvents, device);
    if ((eventTypes & ~g->v[F_supported_events]) != 0) return NVML_ERROR_NOT_SUPPORTED;
    pthread_mutex_lock(&ev_mu);
    nvmlReturn_t rc = NVML_SUCCESS;
    if (!live_set(set)) {
        misuses++;
        rc = NVML_ERROR_INVALID_ARGUMENT;
    } else {
        set->mask[idx] |= eventTypes;
    }
    pthread_mutex_unlock(&ev_mu);
    return rc;
}

/* Blocks on a condition variable until an event is queued or timeoutms pass. */
EXPORT nvmlReturn_t nvmlEventSetWait_v2(nvmlEventSet_t set, nvmlEventData_t *data, unsigned int timeoutms) {
    pthread_mutex_lock(&ev_mu);
    nvmlReturn_t rc = event_call(FN_nvmlEventSetWait_v2);
    if (rc == NVML_SUCCESS && !live_set(set)) {
        misuses++;
        rc = NVML_ERROR_INVALID_ARGUMENT;
    }
    if (rc == NVML_SUCCESS && data == NULL) rc = NVML_ERROR_INVALID_ARGUMENT;
    if (rc == NVML_SUCCESS) {
        struct timespec deadline = deadline_after(timeoutms);
        set->waiting++;
        waiters++;
        pthread_cond_broadcast(&ev_cv);
        while (set->count == 0 && set->live) {
            if (pthread_cond_timedwait(&ev_cv, &ev_mu, &deadline) == ETIMEDOUT) break;
        }
        set->waiting--;
        waiters--;
        pthread_cond_broadcast(&ev_cv);
        if (set->count == 0) {
            rc = NVML_ERROR_TIMEOUT;
        } else {
            struct fake_event e = set->queue[set->head];
            set->head = (set->head + 1) % MAX_QUEUE;
            set->count--;
            memset(data, 0, sizeof *data);
            data->device = e.gpu >= 0 ? &gpus[e.gpu] : NULL;
            data->eventType = e.type;
            data->eventData = e.data;
            data->gpuInstanceId = e.gpu_instance;
            data->computeInstanceId = e.compute_instance;
            rc = e.lost ? NVML_ERROR_GPU_IS_LOST : NVML_SUCCESS;
        }
    }
    pthread_mutex_unlock(&ev_mu);
    return rc;
}
#endif

/* ---- control functions for tests ---- */

/* Static, so that the constructor of one copy never calls into another copy loaded earlier. */
static void reset_state(int n) {
    if (n < 0) {
        const char *env = getenv("FAKE_NVML_GPUS");
        n = env != NULL && env[0] != '\0' ? atoi(env) : 2;
    }
    if (n < 0) n = 0;
    if (n > MAX_GPUS) n = MAX_GPUS;
    gpu_count = n;
    for (int i = 0; i < MAX_GPUS; i++) {
        setup_gpu(i);
    }
    memset(migs, 0, sizeof migs);
    memset(forced_global, 0, sizeof forced_global);
    pthread_mutex_lock(&ev_mu);
    memset(calls, 0, sizeof calls);
    memset(sets, 0, sizeof sets);
    sets_created = 0;
    misuses = 0;
    shutdowns_with_live_sets = 0;
    pthread_cond_broadcast(&ev_cv);
    pthread_mutex_unlock(&ev_mu);
    init_refs = 0;
    init_successes = 0;
    shutdown_successes = 0;
    snprintf(driver_version, sizeof driver_version, "550.163.01");
    snprintf(nvml_version, sizeof nvml_version, "12.550.163.01");
    cuda_driver_version = 12040;
}

__attribute__((constructor)) static void fakenvml_load(void) {
    pthread_condattr_t attr;
    pthread_condattr_init(&attr);
    pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
    pthread_cond_init(&ev_cv, &attr);
    pthread_condattr_destroy(&attr);
    reset_state(-1);
}

/* Starts over with n GPUs (n < 0: FAKE_NVML_GPUS, else 2); clears counters and forced codes. */
EXPORT void fakenvml_reset(int n) {
    reset_state(n);
}

EXPORT int fakenvml_gpu_count(void) {
    return gpu_count;
}

/* Changes how many GPUs NVML enumerates, keeping every GPU's state (a GPU leaving the bus). */
EXPORT void fakenvml_set_count(int n) {
    if (n >= 0 && n <= MAX_GPUS) gpu_count = n;
}

/* Sets a scripted value (see FIELDS); returns 0, or -1 for an unknown field or GPU. */
EXPORT int fakenvml_set(int gpu, const char *field, unsigned long long value) {
    if (gpu < 0 || gpu >= MAX_GPUS || field == NULL) return -1;
    int f = find_field(field);
    if (f < 0) return -1;
    gpus[gpu].v[f] = value;
    return 0;
}

/* Sets "name" or "uuid"; returns 0, or -1 for an unknown field or GPU. */
EXPORT int fakenvml_set_string(int gpu, const char *field, const char *value) {
    if (gpu < 0 || gpu >= MAX_GPUS || field == NULL || value == NULL) return -1;
    if (strcmp(field, "name") == 0) {
        snprintf(gpus[gpu].name, sizeof gpus[gpu].name, "%s", value);
    } else if (strcmp(field, "uuid") == 0) {
        snprintf(gpus[gpu].uuid, sizeof gpus[gpu].uuid, "%s", value);
    } else {
        return -1;
    }
    return 0;
}

/*
 * Makes function fn return code (0 = behave again) on one GPU, or on every GPU when gpu is -1.
 * For calls not tied to a GPU (nvmlInit_v2, nvmlDeviceGetCount_v2, ...) gpu is ignored.
 * Returns 0, or -1 for an unknown function.
 */
EXPORT int fakenvml_force(const char *fn, int gpu, int code) {
    int f = find_fn(fn);
    if (f < 0 || gpu >= MAX_GPUS) return -1;
    forced_global[f] = gpu < 0 ? code : forced_global[f];
    for (int i = 0; i < MAX_GPUS; i++) {
        if (gpu < 0 || i == gpu) gpus[i].forced[f] = code;
    }
    return 0;
}

/*
 * A lost GPU (lost 1) answers GPU_IS_LOST to every call, handle lookups included, until found again;
 * with lost 2 its handle can still be had but every call on it, the UUID too, is GPU_IS_LOST.
 */
EXPORT void fakenvml_set_lost(int gpu, int lost) {
    if (gpu >= 0 && gpu < MAX_GPUS && lost >= 0 && lost <= 2) gpus[gpu].lost = lost;
}

static int find_field(const char *field) {
    for (int f = 0; f < F_COUNT; f++) {
        if (strcmp(FIELD_NAMES[f], field) == 0) return f;
    }
    return -1;
}

/* FAKE_NVML_CONTROL: see the file comment. Runs on the caller's thread; the agent reads from one. */
static void apply_control(void) {
    static long long seen_mtime = -1, seen_size = -1;
    const char *path = getenv("FAKE_NVML_CONTROL");
    if (path == NULL || path[0] == '\0') return;
    struct stat st;
    if (stat(path, &st) != 0) return;
    long long mtime = (long long) st.st_mtim.tv_sec * 1000000000LL + st.st_mtim.tv_nsec;
    if (mtime == seen_mtime && (long long) st.st_size == seen_size) return;
    FILE *f = fopen(path, "r");
    if (f == NULL) return;
    seen_mtime = mtime;
    seen_size = (long long) st.st_size;
    char line[256], word[32], field[64];
    while (fgets(line, sizeof line, f) != NULL) {
        int a, b;
        unsigned long long v;
        if (sscanf(line, "count %d", &a) == 1) {
            if (a >= 0 && a <= MAX_GPUS) gpu_count = a;
        } else if (sscanf(line, "lost %d %d", &a, &b) == 2) {
            fakenvml_set_lost(a, b);
        } else if (sscanf(line, "set %d %63s %llu", &a, field, &v) == 3) {
            int fi = find_field(field);
            if (a >= 0 && a < MAX_GPUS && fi >= 0) gpus[a].v[fi] = v;
        } else {
            (void) sscanf(line, "%31s", word);
        }
    }
    fclose(f);
}

/* A process of a MIG device: gpuInstance/computeInstance as the _v2/_v3 lists report them. */
EXPORT int fakenvml_add_mig_process(int gpu, unsigned int pid, unsigned long long usedMemory,
                                    unsigned int gpuInstance, unsigned int computeInstance) {
    if (gpu < 0 || gpu >= MAX_GPUS || gpus[gpu].nprocs == MAX_PROCS) return -1;
    struct fake_gpu *g = &gpus[gpu];
    g->procs[g->nprocs].pid = pid;
    g->procs[g->nprocs].used_memory = usedMemory;
    g->procs[g->nprocs].gpu_instance = gpuInstance;
    g->procs[g->nprocs].compute_instance = computeInstance;
    g->nprocs++;
    return 0;
}

EXPORT int fakenvml_add_process(int gpu, unsigned int pid, unsigned long long usedMemory) {
    return fakenvml_add_mig_process(gpu, pid, usedMemory, 0xFFFFFFFFu, 0xFFFFFFFFu);
}

EXPORT void fakenvml_clear_processes(int gpu) {
    if (gpu >= 0 && gpu < MAX_GPUS) gpus[gpu].nprocs = 0;
}

/* Appends a per-process utilization sample to the GPU's ring buffer (timestamp in µs). */
EXPORT int fakenvml_add_sample(int gpu, unsigned int pid, unsigned long long timestamp,
                               unsigned int sm, unsigned int mem, unsigned int enc, unsigned int dec) {
    if (gpu < 0 || gpu >= MAX_GPUS || gpus[gpu].nsamples == MAX_SAMPLES) return -1;
    struct fake_gpu *g = &gpus[gpu];
    struct fake_sample *s = &g->samples[g->nsamples++];
    s->pid = pid;
    s->timestamp = timestamp;
    s->sm = sm;
    s->mem = mem;
    s->enc = enc;
    s->dec = dec;
    return 0;
}

/* The lastSeenTimeStamp the caller passed in its latest per-process utilization query. */
EXPORT unsigned long long fakenvml_last_seen(int gpu) {
    return gpu >= 0 && gpu < MAX_GPUS ? gpus[gpu].last_seen : 0;
}

/* Calls of fn on one GPU, or in all (gpu -1, which includes calls not tied to a GPU); -1 if unknown. */
EXPORT long long fakenvml_calls(const char *fn, int gpu) {
    int f = find_fn(fn);
    if (f < 0 || gpu >= MAX_GPUS) return -1;
    pthread_mutex_lock(&ev_mu);
    long long total = 0;
    if (gpu >= 0) {
        total = calls[f][gpu];
    } else {
        for (int i = 0; i <= MAX_GPUS; i++) total += calls[f][i];
    }
    pthread_mutex_unlock(&ev_mu);
    return total;
}

/* Successful nvmlInit_v2 and nvmlShutdown calls since the last reset. */
EXPORT int fakenvml_init_count(void) {
    return init_successes;
}

EXPORT int fakenvml_shutdown_count(void) {
    return shutdown_successes;
}

/* Current init reference count: 0 when every init was matched by a shutdown. */
EXPORT int fakenvml_init_refs(void) {
    return init_refs;
}

EXPORT void fakenvml_set_driver(const char *driver, const char *nvml, int cuda) {
    if (driver != NULL) snprintf(driver_version, sizeof driver_version, "%s", driver);
    if (nvml != NULL) snprintf(nvml_version, sizeof nvml_version, "%s", nvml);
    cuda_driver_version = cuda;
}

/* ---- MIG controls ---- */

/*
 * Creates the MIG device at slot (0..6) of a GPU: named "<GPU name> MIG <profile>", with a UUID
 * derived from GPU, slot and GPU instance. MIG mode itself is the field "mig_current".
 * Returns 0, or -1 for a bad GPU or slot.
 */
EXPORT int fakenvml_add_mig(int gpu, int slot, const char *profile, unsigned int gpuInstance,
                            unsigned int computeInstance, unsigned long long memoryTotal,
                            unsigned long long memoryUsed) {
    if (gpu < 0 || gpu >= MAX_GPUS || slot < 0 || slot >= MAX_MIG || profile == NULL) return -1;
    struct fake_mig *m = &migs[gpu][slot];
    memset(m, 0, sizeof *m);
    m->present = 1;
    snprintf(m->name, sizeof m->name, "%.60s MIG %.30s", gpus[gpu].name, profile);
    snprintf(m->uuid, sizeof m->uuid, "MIG-%08x-%04x-5000-9000-%012x", 0x919e0000u + (unsigned) gpu,
             (unsigned) slot, gpuInstance);
    m->gpu_instance = gpuInstance;
    m->compute_instance = computeInstance;
    m->memory_total = memoryTotal;
    m->memory_reserved = MIG_RESERVED;
    m->memory_used = memoryUsed;
    return 0;
}

/* Removes every MIG device of a GPU (a reconfiguration); handles taken before turn invalid. */
EXPORT void fakenvml_clear_mig(int gpu) {
    if (gpu >= 0 && gpu < MAX_GPUS) memset(migs[gpu], 0, sizeof migs[gpu]);
}

/* The UUID of a MIG device, or "" when the slot is empty. */
EXPORT const char *fakenvml_mig_uuid(int gpu, int slot) {
    if (gpu < 0 || gpu >= MAX_GPUS || slot < 0 || slot >= MAX_MIG || !migs[gpu][slot].present) return "";
    return migs[gpu][slot].uuid;
}

EXPORT unsigned long long fakenvml_mig_reserved(void) {
    return MIG_RESERVED;
}

/* Makes fn return code on the MIG handles of one GPU (or every GPU with -1); 0 restores it. */
EXPORT int fakenvml_force_mig(const char *fn, int gpu, int code) {
    int f = find_fn(fn);
    if (f < 0 || gpu >= MAX_GPUS) return -1;
    for (int i = 0; i < MAX_GPUS; i++) {
        if (gpu < 0 || i == gpu) gpus[i].mig_forced[f] = code;
    }
    return 0;
}

/* ---- event controls ---- */

/* Queues an Xid on every live set that registered XidCriticalError for the GPU; returns how many. */
EXPORT int fakenvml_inject_xid(int gpu, unsigned long long xid, unsigned int gpuInstance, unsigned int computeInstance) {
    if (gpu < 0 || gpu >= MAX_GPUS) return -1;
    struct fake_event e = { gpu, 0, NVML_EVENT_TYPE_XID_CRITICAL_ERROR, xid, gpuInstance, computeInstance };
    int delivered = 0;
    pthread_mutex_lock(&ev_mu);
    for (int s = 0; s < sets_created; s++) {
        if (sets[s].live && (sets[s].mask[gpu] & NVML_EVENT_TYPE_XID_CRITICAL_ERROR) != 0) {
            enqueue(&sets[s], e);
            delivered++;
        }
    }
    pthread_cond_broadcast(&ev_cv);
    pthread_mutex_unlock(&ev_mu);
    return delivered;
}

/*
 * Makes the next wait on the sets watching the GPU answer GPU_IS_LOST, with that GPU's handle in
 * the event data; with gpu -1, every live set answers it with no device. Returns how many sets.
 */
EXPORT int fakenvml_inject_lost(int gpu) {
    if (gpu >= MAX_GPUS) return -1;
    struct fake_event e = { gpu < 0 ? -1 : gpu, 1, 0, 0, 0xFFFFFFFFu, 0xFFFFFFFFu };
    int delivered = 0;
    pthread_mutex_lock(&ev_mu);
    for (int s = 0; s < sets_created; s++) {
        if (sets[s].live && (gpu < 0 || sets[s].mask[gpu] != 0)) {
            enqueue(&sets[s], e);
            delivered++;
        }
    }
    pthread_cond_broadcast(&ev_cv);
    pthread_mutex_unlock(&ev_mu);
    return delivered;
}

/* Waits up to timeoutMs until at least n threads are inside nvmlEventSetWait_v2; returns 1 if so. */
EXPORT int fakenvml_await_waiters(int n, int timeoutMs) {
    struct timespec deadline = deadline_after((unsigned int) timeoutMs);
    pthread_mutex_lock(&ev_mu);
    while (waiters < n) {
        if (pthread_cond_timedwait(&ev_cv, &ev_mu, &deadline) == ETIMEDOUT) break;
    }
    int ok = waiters >= n;
    pthread_mutex_unlock(&ev_mu);
    return ok;
}

/* Event sets created and not freed. */
EXPORT int fakenvml_live_sets(void) {
    pthread_mutex_lock(&ev_mu);
    int n = 0;
    for (int s = 0; s < sets_created; s++) n += sets[s].live;
    pthread_mutex_unlock(&ev_mu);
    return n;
}

/* Waits on or frees of a freed set, and frees of a set while a thread waits on it. */
EXPORT int fakenvml_event_misuses(void) {
    pthread_mutex_lock(&ev_mu);
    int n = misuses;
    pthread_mutex_unlock(&ev_mu);
    return n;
}

/* nvmlShutdown calls made while an event set was still live. */
EXPORT int fakenvml_shutdowns_with_live_sets(void) {
    pthread_mutex_lock(&ev_mu);
    int n = shutdowns_with_live_sets;
    pthread_mutex_unlock(&ev_mu);
    return n;
}
