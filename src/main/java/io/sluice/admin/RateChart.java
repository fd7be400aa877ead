package io.sluice.admin;

import java.util.List;

/**
 * A line chart of request rates as inline SVG, with its axes: requests per second on a
 * "nice" scale (1, 2 or 5 times a power of ten, four gridlines, labelled) and time in
 * minutes before now. It scales with the page's width (viewBox), so it reads on a phone.
 */
final class RateChart {
    static final String[] COLOURS = {"#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#17becf", "#8c564b", "#e377c2"};
    private static final int WIDTH = 720;
    private static final int HEIGHT = 130;
    private static final int LEFT = 44;
    private static final int RIGHT = 8;
    private static final int TOP = 8;
    private static final int BOTTOM = 22;
    private static final int Y_TICKS = 4;

    private RateChart() {
    }

    /** One line per series (oldest point first, RateHistory's spacing), then a legend. */
    static void draw(StringBuilder html, String label, List<String> names, List<double[]> series) {
        double highest = 0;
        for (double[] points : series) {
            for (double point : points) {
                highest = Math.max(highest, point);
            }
        }
        double top = niceCeiling(highest);
        int plotWidth = WIDTH - LEFT - RIGHT;
        int plotHeight = HEIGHT - TOP - BOTTOM;
        html.append("<svg class=\"chart\" data-chart=\"").append(ManagerPage.escape(label)).append("\" viewBox=\"0 0 ").append(WIDTH).append(' ')
                .append(HEIGHT).append("\" role=\"img\" aria-label=\"requests per second, ").append(ManagerPage.escape(label))
                .append("\" font-size=\"10\" font-family=\"sans-serif\">");
        html.append("<g class=\"y-axis\" stroke=\"#ddd\">");
        for (int tick = 0; tick <= Y_TICKS; tick++) {
            double value = top * tick / Y_TICKS;
            double y = TOP + plotHeight - plotHeight * tick / (double) Y_TICKS;
            html.append(ManagerPage.format("<line x1=\"%d\" x2=\"%d\" y1=\"%.1f\" y2=\"%.1f\"/>", LEFT, WIDTH - RIGHT, y, y))
                    .append(ManagerPage.format("<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\" stroke=\"none\" fill=\"#444\">%s</text>",
                            LEFT - 4, y + 3, tickLabel(value)));
        }
        html.append(ManagerPage.format("<text x=\"4\" y=\"%d\" stroke=\"none\" fill=\"#444\" transform=\"rotate(-90 8 %d)\" "
                + "text-anchor=\"middle\">req/s</text>", TOP + plotHeight / 2, TOP + plotHeight / 2));
        html.append("</g><g class=\"x-axis\" fill=\"#444\">");
        int spanSeconds = (RateHistory.POINTS - 1) * RateHistory.SECONDS_PER_POINT;
        for (int minutesAgo = spanSeconds / 60; minutesAgo >= 0; minutesAgo--) {
            double x = LEFT + plotWidth * (1 - minutesAgo * 60.0 / spanSeconds);
            html.append(ManagerPage.format("<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%d\" y2=\"%d\" stroke=\"#888\"/>", x, x, TOP + plotHeight,
                            TOP + plotHeight + 4))
                    .append(ManagerPage.format("<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%s</text>", x, HEIGHT - 6,
                            minutesAgo == 0 ? "now" : "-" + minutesAgo + " min"));
        }
        html.append(ManagerPage.format("<line x1=\"%d\" x2=\"%d\" y1=\"%d\" y2=\"%d\" stroke=\"#888\"/>", LEFT, WIDTH - RIGHT,
                        TOP + plotHeight, TOP + plotHeight))
                .append(ManagerPage.format("<line x1=\"%d\" x2=\"%d\" y1=\"%d\" y2=\"%d\" stroke=\"#888\"/>", LEFT, LEFT, TOP, TOP + plotHeight))
                .append("</g>");
        for (int i = 0; i < series.size(); i++) {
            double[] points = series.get(i);
            html.append("<polyline fill=\"none\" stroke-width=\"1.5\" stroke=\"").append(COLOURS[i % COLOURS.length]).append("\" points=\"");
            for (int p = 0; p < points.length; p++) {
                double x = LEFT + p * plotWidth / (double) (points.length - 1);
                double y = TOP + plotHeight - points[p] / top * plotHeight;
                html.append(ManagerPage.format("%.1f,%.1f ", x, y));
            }
            html.append("\"><title>").append(ManagerPage.escape(names.get(i))).append("</title></polyline>");
        }
        html.append("</svg><div class=\"legend\">");
        for (int i = 0; i < names.size(); i++) {
            html.append("<span style=\"color:").append(COLOURS[i % COLOURS.length]).append("\">&#9632; ")
                    .append(ManagerPage.escape(names.get(i))).append("</span>");
        }
        html.append("</div>");
    }

    /** The smallest 1, 2 or 5 times a power of ten at or above {@code value}; 1 for an idle chart. */
    static double niceCeiling(double value) {
        if (value <= 1) {
            return 1;
        }
        double power = Math.pow(10, Math.floor(Math.log10(value)));
        for (double step : new double[] {1, 2, 5, 10}) {
            if (step * power >= value) {
                return step * power;
            }
        }
        return 10 * power;
    }

    private static String tickLabel(double value) {
        return value == Math.rint(value) ? String.valueOf((long) value) : ManagerPage.format("%.2f", value).replaceAll("0+$", "");
    }
}
