package io.sluice.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The chart's scale and axes: a top of 1, 2 or 5 times a power of ten, labelled gridlines, minutes before now. */
class RateChartTest {
    @Test
    void theScaleEndsAtTheNextNiceNumber() {
        assertEquals(1, RateChart.niceCeiling(0));
        assertEquals(1, RateChart.niceCeiling(1));
        assertEquals(2, RateChart.niceCeiling(1.2));
        assertEquals(5, RateChart.niceCeiling(3));
        assertEquals(10, RateChart.niceCeiling(7.5));
        assertEquals(50, RateChart.niceCeiling(37));
        assertEquals(200, RateChart.niceCeiling(101));
        assertEquals(1000, RateChart.niceCeiling(1000));
    }

    @Test
    void axesAreLabelledAndTheLineIsScaledToThem() {
        double[] points = new double[RateHistory.POINTS];
        points[RateHistory.POINTS - 1] = 37; // the top of the scale is 50
        StringBuilder html = new StringBuilder();
        RateChart.draw(html, "app", List.of("a"), List.of(points));
        String svg = html.toString();
        for (String label : List.of(">0<", ">12.5<", ">25<", ">37.5<", ">50<", ">req/s<", ">-4 min<", ">-1 min<", ">now<")) {
            assertTrue(svg.contains(label), label + " in " + svg);
        }
        // the last point: x at the right end of the plot, y at 37/50 of its height above the x axis (130 - 22 = 108, 100 high)
        assertTrue(svg.contains(" 712.0,34.0 \"><title>a</title>"), svg);
        assertTrue(svg.contains("<span style=\"color:#1f77b4\">&#9632; a</span>"), svg);
    }

    @Test
    void durationsReadAsMinutesAndSeconds() {
        assertEquals("12 s", ManagerPage.duration(12));
        assertEquals("5 m", ManagerPage.duration(300));
        assertEquals("1 m 15 s", ManagerPage.duration(75));
    }
}
