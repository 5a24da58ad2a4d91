/*
 * A stand-in for libnvidia-ml.so.1: the NVML symbols gpuscale calls, with nvml.h's ABI
 * (return codes, struct layouts, units; see shared/reference/nvml.md section 4), and scripted
 * values. Tests steer it through the fakenvml_* functions at the end of this file.
 *
 * Default node: GPU 0 "NVIDIA GeForce RTX 4090", GPU 1 "NVIDIA GeForce RTX 3060", any further
 * GPUs "NVIDIA H100 80GB HBM3". FAKE_NVML_GPUS=n sets the GPU count for subprocess tests.
 *
 * Built twice by build.sh: the modern driver (R550+) and, with -DFAKE_NVML_LEGACY, an old one
 * (R470) that lacks every _v2 memory / _v2 and _v3 process symbol, ClocksEventReasons and
 * ProcessesUtilizationInfo; and, with -DFAKE_NVML_SPARSE, one that lacks a function with no
 * fallback (nvmlDeviceGetTotalEnergyConsumption, as before R390).
 *
 * Not thread-safe: tests drive it from one thread at a time.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define EXPORT __attribute__((visibility("default")))

typedef int nvmlReturn_t;
typedef struct fake_gpu *nvmlDevice_t;

enum {
    NVML_SUCCESS = 0,
    NVML_ERROR_UNINITIALIZED = 1,
    NVML_ERROR_INVALID_ARGUMENT = 2,
    NVML_ERROR_NOT_SUPPORTED = 3,
    NVML_ERROR_NOT_FOUND = 6,
    NVML_ERROR_INSUFFICIENT_SIZE = 7,
    NVML_ERROR_FUNCTION_NOT_FOUND = 13,
    NVML_ERROR_GPU_IS_LOST = 15,
    NVML_ERROR_ARGUMENT_VERSION_MISMATCH = 25,
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

/* ---- the scripted node ---- */

#define MAX_GPUS 64
#define MAX_PROCS 64
#define MAX_SAMPLES 256

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
    X(nvmlDeviceGetProcessesUtilizationInfo)

#define AS_ENUM(name) FN_##name,
enum { FUNCTIONS(AS_ENUM) FN_COUNT };
#define AS_NAME(name) #name,
static const char *const FN_NAMES[FN_COUNT] = { FUNCTIONS(AS_NAME) };

struct fake_process {
    unsigned int pid;
    unsigned long long used_memory;
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
    int lost;                          /* every device call returns GPU_IS_LOST */
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
    X(minor_number) X(brand) X(cc_major) X(cc_minor)

#define AS_FIELD(name) F_##name,
enum { FIELDS(AS_FIELD) F_COUNT };
#define AS_FIELD_NAME(name) #name,
static const char *const FIELD_NAMES[F_COUNT] = { FIELDS(AS_FIELD_NAME) };
_Static_assert(F_COUNT <= 32, "fields");

static struct fake_gpu gpus[MAX_GPUS];
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
        g->forced[FN_nvmlDeviceGetMigMode] = NVML_ERROR_NOT_SUPPORTED;
    } else if (i == 1) {
        snprintf(g->name, sizeof g->name, "NVIDIA GeForce RTX 3060");
        g->pci_device_id = 0x250310DE;
        g->brand = 5;
        g->cc_major = 8; g->cc_minor = 6;
        v[F_memory_total] = 12 * GIB; v[F_memory_reserved] = 250 * MIB; v[F_memory_used] = 1 * GIB;
        v[F_power_usage] = 95000; v[F_power_limit] = 170000;
        v[F_clock_sm] = 1777; v[F_clock_graphics] = 1777; v[F_clock_memory] = 7501; v[F_clock_video] = 1555;
        v[F_fan_speed] = 38;
        g->forced[FN_nvmlDeviceGetMigMode] = NVML_ERROR_NOT_SUPPORTED;
    } else {
        snprintf(g->name, sizeof g->name, "NVIDIA H100 80GB HBM3");
        g->pci_device_id = 0x233010DE;
        g->brand = 14; /* NVML_BRAND_NVIDIA (datacenter) */
        g->cc_major = 9; g->cc_minor = 0;
        v[F_memory_total] = 80 * GIB; v[F_memory_reserved] = 542 * MIB; v[F_memory_used] = 40 * GIB;
        v[F_power_usage] = 350000; v[F_power_limit] = 700000;
        v[F_clock_sm] = 1980; v[F_clock_graphics] = 1980; v[F_clock_memory] = 2619; v[F_clock_video] = 1755;
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
    if (device < &gpus[0] || device >= &gpus[gpu_count]) {
        return -1;
    }
    return (int) (device - &gpus[0]);
}

/* Common entry of every device call: counts it and applies lifecycle and forced codes. */
static nvmlReturn_t enter_device(int fn, nvmlDevice_t device, int *index) {
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

/* ---- lifecycle and system ---- */

EXPORT nvmlReturn_t nvmlInit_v2(void) {
    nvmlReturn_t rc = enter_system(FN_nvmlInit_v2, 0);
    if (rc != NVML_SUCCESS) {
        return rc;
    }
    init_refs++;
    init_successes++;
    return NVML_SUCCESS;
}

EXPORT nvmlReturn_t nvmlShutdown(void) {
    nvmlReturn_t rc = enter_system(FN_nvmlShutdown, 1);
    if (rc != NVML_SUCCESS) {
        return rc;
    }
    init_refs--;
    shutdown_successes++;
    return NVML_SUCCESS;
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
    int column = index < (unsigned int) gpu_count ? (int) index : MAX_GPUS;
    calls[FN_nvmlDeviceGetHandleByIndex_v2][column]++;
    if (init_refs == 0) return NVML_ERROR_UNINITIALIZED;
    if (index >= (unsigned int) gpu_count || device == NULL) return NVML_ERROR_INVALID_ARGUMENT;
    if (forced_global[FN_nvmlDeviceGetHandleByIndex_v2] != 0) return forced_global[FN_nvmlDeviceGetHandleByIndex_v2];
    if (gpus[index].lost) return NVML_ERROR_GPU_IS_LOST;
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
    DEVICE_CALL(nvmlDeviceGetName, device);
    return copy_string(g->name, name, length);
}

EXPORT nvmlReturn_t nvmlDeviceGetUUID(nvmlDevice_t device, char *uuid, unsigned int length) {
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
    DEVICE_CALL(nvmlDeviceGetMemoryInfo, device);
    NEED(memory);
    memory->total = g->v[F_memory_total];
    memory->free = memory_free(g);
    memory->used = g->v[F_memory_used] + g->v[F_memory_reserved];
    return NVML_SUCCESS;
}

#ifndef FAKE_NVML_LEGACY
/* v2: "used" excludes the reserved memory; the version field must be nvmlMemory_v2. */
EXPORT nvmlReturn_t nvmlDeviceGetMemoryInfo_v2(nvmlDevice_t device, nvmlMemory_v2_t *memory) {
    DEVICE_CALL(nvmlDeviceGetMemoryInfo_v2, device);
    NEED(memory);
    if (memory->version != NVML_MEMORY_V2_VERSION) {
        /* What real drivers answer to version 2 instead of 0x02000028. */
        return NVML_ERROR_FUNCTION_NOT_FOUND;
    }
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
        infos[p].gpuInstanceId = 0xFFFFFFFFu;
        infos[p].computeInstanceId = 0xFFFFFFFFu;
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
    memset(forced_global, 0, sizeof forced_global);
    memset(calls, 0, sizeof calls);
    init_refs = 0;
    init_successes = 0;
    shutdown_successes = 0;
    snprintf(driver_version, sizeof driver_version, "550.163.01");
    snprintf(nvml_version, sizeof nvml_version, "12.550.163.01");
    cuda_driver_version = 12040;
}

__attribute__((constructor)) static void fakenvml_load(void) {
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
    for (int f = 0; f < F_COUNT; f++) {
        if (strcmp(FIELD_NAMES[f], field) == 0) {
            gpus[gpu].v[f] = value;
            return 0;
        }
    }
    return -1;
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

/* A lost GPU answers GPU_IS_LOST to every call, handle lookups included, until found again. */
EXPORT void fakenvml_set_lost(int gpu, int lost) {
    if (gpu >= 0 && gpu < MAX_GPUS) gpus[gpu].lost = lost;
}

EXPORT int fakenvml_add_process(int gpu, unsigned int pid, unsigned long long usedMemory) {
    if (gpu < 0 || gpu >= MAX_GPUS || gpus[gpu].nprocs == MAX_PROCS) return -1;
    struct fake_gpu *g = &gpus[gpu];
    g->procs[g->nprocs].pid = pid;
    g->procs[g->nprocs].used_memory = usedMemory;
    g->nprocs++;
    return 0;
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
    if (gpu >= 0) return calls[f][gpu];
    long long total = 0;
    for (int i = 0; i <= MAX_GPUS; i++) total += calls[f][i];
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
