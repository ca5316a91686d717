"""The questionnaire engine: typed questions, forms as versioned data, answering state.

Check-ins, assessments and onboarding all run on it. Nothing here talks to Telegram:
the bot renders a question and feeds back what the person sent.
"""
