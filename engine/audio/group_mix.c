/* The synth's audio callback with level meters (audio thread: FluidSynth's JACK thread, or
 * the output thread of ours that renders for "none" and "sounddevice").
 *
 * FluidSynth renders each group of MIDI channels (channel % groups) to its own stereo
 * buffer and its reverb and chorus to two more (fluid_synth_process).  This callback
 * adds them all into the one stereo output -- the same sum fluid_synth_write_float makes
 * when there is a single group -- and on the way takes the peak of every group and of the
 * mix.  Every window of frames it stores the peaks, in millionths of full scale, in the
 * shared position block, where the window reads them as it reads the cursor.
 *
 * It is C because it runs inside the audio callback, where no Python may run: it never
 * locks, allocates or waits.  Each published value is one aligned 8-byte store, which
 * readers on x86-64 see whole (see engine/realtime/position.py).
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

typedef int (*fluid_process_fn)(void *synth, int len, int nfx, float *fx[], int nout,
                                float *out[]);

typedef struct {
    fluid_process_fn process; /* fluid_synth_process, from the library already loaded */
    void *synth;
    int groups;
    int chunk_frames;  /* frames rendered per fluid_synth_process call */
    int window_frames; /* frames per published peak */
    int frames;        /* frames into the current window */
    float *scratch;    /* 2 * groups dry buffers, then reverb L R and chorus L R */
    float **dry;
    float *fx[4];
    float *peaks;                 /* running peak of each group, then mix left and right */
    volatile int64_t *master;     /* [left, right, windows published] */
    volatile int64_t *group_levels; /* one per group */
    float *planar;                /* left and right of the interleaved writer */
} group_mix;

void pianola_mix_free(group_mix *mix)
{
    if (mix == NULL) {
        return;
    }
    free(mix->scratch);
    free(mix->dry);
    free(mix->peaks);
    free(mix->planar);
    free(mix);
}

group_mix *pianola_mix_new(void *process, void *synth, int groups, int chunk_frames,
                           int window_frames, int64_t *master, int64_t *group_levels)
{
    group_mix *mix;
    size_t buffers = 2 * (size_t)groups + 4;
    int i;

    if (process == NULL || synth == NULL || groups < 1 || chunk_frames < 1 || window_frames < 1) {
        return NULL;
    }
    mix = calloc(1, sizeof(group_mix));
    if (mix == NULL) {
        return NULL;
    }
    mix->process = (fluid_process_fn)process;
    mix->synth = synth;
    mix->groups = groups;
    mix->chunk_frames = chunk_frames;
    mix->window_frames = window_frames;
    mix->master = master;
    mix->group_levels = group_levels;
    mix->scratch = calloc(buffers * (size_t)chunk_frames, sizeof(float));
    mix->dry = calloc(2 * (size_t)groups, sizeof(float *));
    mix->peaks = calloc((size_t)groups + 2, sizeof(float));
    mix->planar = calloc(2 * (size_t)chunk_frames, sizeof(float));
    if (mix->scratch == NULL || mix->dry == NULL || mix->peaks == NULL || mix->planar == NULL) {
        pianola_mix_free(mix);
        return NULL;
    }
    for (i = 0; i < 2 * groups; i++) {
        mix->dry[i] = mix->scratch + (size_t)i * chunk_frames;
    }
    for (i = 0; i < 4; i++) {
        mix->fx[i] = mix->scratch + (2 * (size_t)groups + i) * chunk_frames;
    }
    return mix;
}

/* A peak in millionths of full scale; a synth gone wild (inf, nan) reads as 1000x full
 * scale rather than as whatever converting it would give. */
static int64_t millionths(float peak)
{
    return peak >= 0.0f && peak <= 1000.0f ? (int64_t)(peak * 1e6f) : (int64_t)1000000000;
}

static void publish(group_mix *mix)
{
    int g;
    for (g = 0; g < mix->groups; g++) {
        mix->group_levels[g] = millionths(mix->peaks[g]);
        mix->peaks[g] = 0.0f;
    }
    mix->master[0] = millionths(mix->peaks[mix->groups]);
    mix->master[1] = millionths(mix->peaks[mix->groups + 1]);
    mix->master[2] = mix->master[2] + 1;
    mix->peaks[mix->groups] = mix->peaks[mix->groups + 1] = 0.0f;
}

/* Render n <= chunk_frames frames: the mix into left[0..n) and right[0..n). */
static int render_chunk(group_mix *mix, int n, float *left, float *right)
{
    size_t all = 2 * (size_t)mix->groups + 4;
    size_t b;
    int g, i, status;
    float peak_left, peak_right;

    for (b = 0; b < all; b++) {
        memset(mix->scratch + b * mix->chunk_frames, 0, (size_t)n * sizeof(float));
    }
    status = mix->process(mix->synth, n, 4, mix->fx, 2 * mix->groups, mix->dry);
    for (i = 0; i < n; i++) {
        left[i] = mix->fx[0][i] + mix->fx[2][i];
        right[i] = mix->fx[1][i] + mix->fx[3][i];
    }
    for (g = 0; g < mix->groups; g++) {
        const float *l = mix->dry[2 * g];
        const float *r = mix->dry[2 * g + 1];
        float peak = mix->peaks[g];
        for (i = 0; i < n; i++) {
            float a = fabsf(l[i]), c = fabsf(r[i]);
            left[i] += l[i];
            right[i] += r[i];
            peak = a > peak ? a : peak;
            peak = c > peak ? c : peak;
        }
        mix->peaks[g] = peak;
    }
    peak_left = mix->peaks[mix->groups];
    peak_right = mix->peaks[mix->groups + 1];
    for (i = 0; i < n; i++) {
        float a = fabsf(left[i]), c = fabsf(right[i]);
        peak_left = a > peak_left ? a : peak_left;
        peak_right = c > peak_right ? c : peak_right;
    }
    mix->peaks[mix->groups] = peak_left;
    mix->peaks[mix->groups + 1] = peak_right;
    mix->frames += n;
    if (mix->frames >= mix->window_frames) {
        publish(mix);
        mix->frames = 0;
    }
    return status;
}

/* FluidSynth's audio callback (fluid_audio_func_t), given to new_fluid_audio_driver2 with
 * the mix as its data: out[0] and out[1] receive the stereo mix. */
int pianola_mix_process(void *data, int len, int nfx, float *fx[], int nout, float *out[])
{
    group_mix *mix = data;
    int done = 0, status = 0, k;
    (void)nfx;
    (void)fx;
    if (nout < 2) {
        return -1;
    }
    while (done < len) {
        int n = len - done < mix->chunk_frames ? len - done : mix->chunk_frames;
        status |= render_chunk(mix, n, out[0] + done, out[1] + done);
        for (k = 2; k < nout; k++) {
            if (out[k] != NULL) {
                memset(out[k] + done, 0, (size_t)n * sizeof(float));
            }
        }
        done += n;
    }
    return status == 0 ? 0 : -1;
}

/* The mix as interleaved stereo frames at out (the outputs that render themselves). */
int pianola_mix_write_interleaved(group_mix *mix, int len, float *out)
{
    int done = 0, status = 0, i;
    float *left = mix->planar, *right = mix->planar + mix->chunk_frames;
    while (done < len) {
        int n = len - done < mix->chunk_frames ? len - done : mix->chunk_frames;
        status |= render_chunk(mix, n, left, right);
        for (i = 0; i < n; i++) {
            out[2 * (done + i)] = left[i];
            out[2 * (done + i) + 1] = right[i];
        }
        done += n;
    }
    return status == 0 ? 0 : -1;
}
