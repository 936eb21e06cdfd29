"""Training: the built-in course, practice scenarios with simulated debtors, quizzes and certification."""
