//! The scorecard's parameters (`scoring`, policy `emcd-score-v1`): validated, so the
//! weights add up to 100 and the grade bands go down from A to D.

/// `scoring`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Scoring {
    pub weights: Weights,
    /// The lowest totals of grades A, B, C and D, highest first; below D is E.
    pub grades: [u32; 4],
}

/// `scoring.weights`: the points of each part; they add up to 100.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Weights {
    pub connection: u32,
    pub availability: u32,
    pub response_time: u32,
    /// The indicators agencies push, shared among their groups (`report::indicators`).
    pub indicators: u32,
}

impl Default for Scoring {
    fn default() -> Scoring {
        Scoring {
            weights: Weights {
                connection: 30,
                availability: 30,
                response_time: 20,
                indicators: 20,
            },
            grades: [90, 80, 65, 50],
        }
    }
}

/// The names of the grades, best first.
pub const GRADES: [&str; 5] = ["A", "B", "C", "D", "E"];

impl Scoring {
    /// The grade of a total out of 100.
    pub fn grade(&self, total: f64) -> &'static str {
        self.grades
            .iter()
            .position(|&lowest| total >= f64::from(lowest))
            .map_or(GRADES[4], |i| GRADES[i])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grades_by_the_default_bands() {
        let s = Scoring::default();
        for (total, grade) in [
            (100.0, "A"),
            (90.0, "A"),
            (89.99, "B"),
            (80.0, "B"),
            (65.0, "C"),
            (64.9, "D"),
            (50.0, "D"),
            (49.99, "E"),
            (0.0, "E"),
        ] {
            assert_eq!(s.grade(total), grade, "{total}");
        }
    }
}
