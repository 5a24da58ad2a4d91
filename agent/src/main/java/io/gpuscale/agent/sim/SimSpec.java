package io.gpuscale.agent.sim;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The GPUs of a simulated node, as given after {@code --source sim:}: a comma-separated list of
 * {@code PROFILE[xCOUNT][@PATTERN]}, e.g. {@code rtx4090@ramp:5m,rtx3060@steady:40} or
 * {@code h100x8}. Without a pattern each GPU follows a sine wave, shifted so GPUs differ.
 */
public final class SimSpec {
    /** What {@code --source sim} alone simulates: the home-lab pair. */
    public static final String DEFAULT = "rtx4090,rtx3060";
    private static final int MAX_GPUS = 64;
    private static final Pattern COUNTED = Pattern.compile("(.+)x(\\d+)");

    private SimSpec() {
    }

    public static List<SimGpu> parse(String spec) {
        String text = spec == null || spec.isBlank() ? DEFAULT : spec;
        List<SimGpu> gpus = new ArrayList<>();
        for (String item : text.split(",", -1)) {
            String entry = item.trim();
            if (entry.isEmpty()) {
                throw new IllegalArgumentException("empty GPU entry in '" + text + "'");
            }
            String patternText = null;
            int at = entry.indexOf('@');
            if (at >= 0) {
                patternText = entry.substring(at + 1);
                entry = entry.substring(0, at);
            }
            int count = 1;
            Matcher counted = COUNTED.matcher(entry);
            if (counted.matches() && !isProfile(entry) && isProfile(counted.group(1))) {
                count = parseCount(counted.group(2));
                entry = counted.group(1);
            }
            SimProfile profile = SimProfile.byKey(entry);
            for (int i = 0; i < count; i++) {
                double phase = (gpus.size() * 0.37) % 1.0;
                LoadPattern load = patternText == null
                        ? new LoadPattern.Sine(LoadPattern.DEFAULT_PERIOD, phase)
                        : LoadPattern.parse(patternText, phase);
                gpus.add(new SimGpu(profile, load));
                if (gpus.size() > MAX_GPUS) {
                    throw new IllegalArgumentException("at most " + MAX_GPUS + " simulated GPUs");
                }
            }
        }
        return List.copyOf(gpus);
    }

    private static boolean isProfile(String key) {
        try {
            SimProfile.byKey(key);
            return true;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    private static int parseCount(String digits) {
        if (digits.length() > 3) {
            throw new IllegalArgumentException("at most " + MAX_GPUS + " simulated GPUs");
        }
        int n = Integer.parseInt(digits);
        if (n < 1) {
            throw new IllegalArgumentException("a GPU count must be at least 1");
        }
        return n;
    }
}
