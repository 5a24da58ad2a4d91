package io.gpuscale.adapter.metrics;

/**
 * The {@code model} label as selectors can match it. NVML names GPUs with spaces
 * ({@code NVIDIA GeForce RTX 4090}), which label values cannot hold; GPU feature discovery writes
 * the same names with dashes ({@code nvidia.com/gpu.product=NVIDIA-GeForce-RTX-4090}), and so do we.
 */
public final class ModelLabel {
    private ModelLabel() {
    }

    public static String of(String model) {
        StringBuilder sb = new StringBuilder(model.length());
        for (int i = 0; i < model.length() && sb.length() < 63; i++) {
            char c = model.charAt(i);
            sb.append(c < 128 && (Character.isLetterOrDigit(c) || c == '-' || c == '_' || c == '.') ? c : '-');
        }
        int start = 0;
        int end = sb.length();
        while (start < end && !Character.isLetterOrDigit(sb.charAt(start))) {
            start++;
        }
        while (end > start && !Character.isLetterOrDigit(sb.charAt(end - 1))) {
            end--;
        }
        return sb.substring(start, end);
    }
}
