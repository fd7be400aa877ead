package io.sluice.config;

import java.util.Collection;

/** Suggests the closest known word for a misspelt one (Levenshtein distance). */
final class DidYouMean {
    private DidYouMean() {
    }

    /** The closest candidate within a distance that still looks like a typo, or null. */
    static String closest(String word, Collection<String> candidates) {
        String best = null;
        int bestDistance = Integer.MAX_VALUE;
        for (String candidate : candidates) {
            int distance = distance(word.toLowerCase(), candidate.toLowerCase());
            if (distance < bestDistance) {
                bestDistance = distance;
                best = candidate;
            }
        }
        int tolerated = Math.max(2, word.length() / 3);
        return bestDistance <= tolerated ? best : null;
    }

    static String hint(String word, Collection<String> candidates) {
        String closest = closest(word, candidates);
        return closest != null ? "did you mean \"" + closest + "\"?" : "known keys: " + String.join(", ", candidates);
    }

    private static int distance(String a, String b) {
        int[] previous = new int[b.length() + 1];
        int[] current = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            previous[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            current[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                current[j] = Math.min(Math.min(current[j - 1] + 1, previous[j] + 1), previous[j - 1] + cost);
            }
            int[] swap = previous;
            previous = current;
            current = swap;
        }
        return previous[b.length()];
    }
}
