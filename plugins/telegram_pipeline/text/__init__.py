"""Text as the reports read it: the language a message is written in (``language``), the terms it
uses (``words``), and whether it asks a question and which sites it links to (``facts``). One home for
the word rule: consolidation stores its output, and the keyword search and the tracked keywords apply
the same functions to what a user types."""
