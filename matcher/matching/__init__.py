"""Matching: how well an article fits what a contact is working on now.

analysis (language, lemmas, bigrams) -> terms (an article's analysis, stored) -> space
(counts, IDF, TF-IDF rows) -> ranker (the scores, the ranking and its reasons) ->
tfidf (the same as a scikit-learn estimator that fits the space); semantic (sentence
vectors); duplicates (the same story from two feeds); feedback (what sent and off-topic
suggestions teach the ranking); index (what the night fitted, for the day's commands).

Nothing is imported here: a command that only reads the nightly index must not pay for
scikit-learn, which only `tfidf` loads.
"""
